/**
 * Builds a page skeleton: the text between the sample values (HELP/TYPE lines,
 * names, label blocks), one entry per value, in page order.
 */
import { formatSampleValue } from './prom-format.js';
import type { HistogramSlots } from './page-slots.js';

export class SkeletonBuilder {
  readonly statics: string[] = [];
  private pending = '';

  family(name: string, help: string, type: string): void {
    this.pending += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
  }

  text(s: string): void {
    this.pending += s;
  }

  /** Adds a sample line `<prefix><value>\n` and returns its slot. */
  sample(prefix: string): number {
    this.statics.push(this.pending + prefix);
    this.pending = '\n';
    return this.statics.length - 1;
  }

  finish(): string[] {
    this.statics.push(this.pending);
    return this.statics;
  }
}

/** Label block with `le` inserted in sorted position among the other sorted labels. */
export function labels(pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 0) return '';
  const sorted = [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return `{${sorted.map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

/** A prometheus_client histogram: buckets (`+Inf` last), `_count`, `_sum`. */
export function histogramSamples(
  b: SkeletonBuilder,
  name: string,
  bounds: readonly number[],
  base: readonly (readonly [string, string])[],
): Omit<HistogramSlots, 'created'> {
  let bucket0 = -1;
  for (const le of [...bounds, Infinity]) {
    const s = b.sample(
      `${name}_bucket${labels([...base, ['le', formatSampleValue(le)]])} `,
    );
    if (bucket0 < 0) bucket0 = s;
  }
  const count = b.sample(`${name}_count${labels(base)} `);
  const sum = b.sample(`${name}_sum${labels(base)} `);
  return { bucket0, buckets: bounds.length + 1, bounds, count, sum };
}
