import type { PromSample } from './prometheus-server.js';

/** Comparing what Prometheus stored from two back ends, series by series. */

/** `series → value` keyed by the labels that identify a canonical series. */
export function keyed(
  samples: PromSample[],
  labels: string[],
): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    const key = [
      s.metric.__name__ ?? '',
      ...labels.map((l) => `${l}=${s.metric[l] ?? ''}`),
    ].join(' ');
    expect(out.has(key), `one series for ${key}`).toBe(false);
    out.set(key, Number(s.value[1]));
  }
  return out;
}

/** Width of the bucket of `layout` (finite upper bounds, ascending) that holds `v`. */
export function bucketWidth(layout: number[], v: number): number {
  let lower = 0;
  for (const le of layout) {
    if (v <= le) return le - lower;
    lower = le;
  }
  return Infinity;
}
