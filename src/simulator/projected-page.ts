/**
 * Pages of the other engine kinds, printed from the vLLM V1 value array of
 * the traffic model: each page is a skeleton of static text plus, per sample,
 * the slot of the value it prints (`values[index[i]]`).
 */
import type { EngineKind } from './engine-kinds.js';
import type { CacheConfig } from './cache-config.js';
import type { HistogramSlots, PageSlots } from './page-slots.js';
import { labels, SkeletonBuilder } from './page-skeleton.js';
import { formatSampleValue } from './prom-format.js';

/** A page of another shape printed from the same value array. */
export interface ProjectedTemplate {
  readonly statics: readonly string[];
  readonly index: Int32Array;
  readonly format: (x: number) => string;
}

/** What a page of another kind is built for. */
export interface KindPageOptions {
  kind: Exclude<EngineKind, 'vllm'>;
  modelName: string;
  engineIndex: number;
  /** Bucket bounds of every traffic histogram come from `slots`. */
  slots: PageSlots;
  cache: CacheConfig;
  /** SGLang: print `dp_rank="<engineIndex>"` on every series. */
  dpRankLabel: boolean;
}

export type Pair = readonly [string, string];

/** Builds a projected page: each sample names the V1 slot whose value it prints. */
export class ProjectionBuilder {
  readonly b = new SkeletonBuilder();
  readonly index: number[] = [];

  family(name: string, help: string, type: string): void {
    this.b.family(name, help, type);
  }

  text(s: string): void {
    this.b.text(s);
  }

  sample(prefix: string, slot: number): void {
    this.b.sample(prefix);
    this.index.push(slot);
  }

  finish(format: (x: number) => string): ProjectedTemplate {
    return {
      statics: this.b.finish(),
      index: Int32Array.from(this.index),
      format,
    };
  }
}

/** Buckets, `_count`, `_sum`, labels sorted with `le` (prometheus_client). */
export function pyHistogram(
  p: ProjectionBuilder,
  name: string,
  help: string,
  h: HistogramSlots,
  base: readonly Pair[],
  sumFirst = false,
): void {
  p.family(name, help, 'histogram');
  if (sumFirst) p.sample(`${name}_sum${labels(base)} `, h.sum);
  for (let i = 0; i < h.buckets; i++) {
    const le = i < h.bounds.length ? (h.bounds[i] as number) : Infinity;
    p.sample(
      `${name}_bucket${labels([...base, ['le', formatSampleValue(le)]])} `,
      h.bucket0 + i,
    );
  }
  if (!sumFirst) {
    p.sample(`${name}_count${labels(base)} `, h.count);
    p.sample(`${name}_sum${labels(base)} `, h.sum);
  } else {
    p.sample(`${name}_count${labels(base)} `, h.count);
  }
}

let projectedScratch: string[] = [];

/** Writes a projected page (another engine kind's shape) from the same values. */
export function renderProjected(
  t: ProjectedTemplate,
  values: Float64Array,
): string {
  const statics = t.statics;
  const index = t.index;
  const format = t.format;
  const n = index.length;
  if (projectedScratch.length !== 2 * n + 1)
    projectedScratch = Array.from({ length: 2 * n + 1 }, () => '');
  const parts = projectedScratch;
  let lastValue = NaN;
  let lastText = '';
  for (let i = 0; i < n; i++) {
    const v = values[index[i] as number] as number;
    if (v !== lastValue) {
      lastValue = v;
      lastText = format(v);
    }
    parts[2 * i] = statics[i] as string;
    parts[2 * i + 1] = lastText;
  }
  parts[2 * n] = statics[n] as string;
  return parts.join('');
}
