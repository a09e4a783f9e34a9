import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** Test-side readers of the coordinator's output, independent of its own parser. */

export type Sample = { labels: Record<string, string>; value: number };

/** name → samples of every counter/gauge/untyped family (read with the npm parser). */
export function samplesOf(text: string): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>();
  for (const fam of parsePrometheusTextFormat(text)) {
    if (fam.type === 'HISTOGRAM' || fam.type === 'SUMMARY') continue;
    out.set(
      fam.name,
      fam.metrics.map((m) => ({
        labels: m.labels ?? {},
        value: Number(m.value),
      })),
    );
  }
  return out;
}

/** The value of the one series of `name` whose labels include `labels`. */
export function one(
  map: Map<string, Sample[]>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const matches = (map.get(name) ?? []).filter((s) =>
    Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (matches.length !== 1) {
    throw new Error(
      `${name}${JSON.stringify(labels)}: ${matches.length} series`,
    );
  }
  return matches[0]!.value;
}

/** histogram_quantile as PromQL defines it, on cumulative bucket counts (last = +Inf). */
export function histogramQuantile(
  q: number,
  les: readonly number[],
  cumulative: readonly number[],
): number {
  const total = cumulative[cumulative.length - 1]!;
  if (total === 0) return NaN;
  const rank = q * total;
  const i = cumulative.findIndex((c) => c >= rank);
  if (i === les.length) return les[les.length - 1]!; // the +Inf bucket
  const lower = i === 0 ? 0 : les[i - 1]!;
  const below = i === 0 ? 0 : cumulative[i - 1]!;
  return (
    lower + ((les[i]! - lower) * (rank - below)) / (cumulative[i]! - below)
  );
}

/**
 * name → the bucket maps (le → cumulative count) of every histogram series, read
 * with the npm parser (which keeps neither a histogram's labels nor its count).
 */
export function histogramBuckets(
  text: string,
): Map<string, Record<string, number>[]> {
  const out = new Map<string, Record<string, number>[]>();
  for (const fam of parsePrometheusTextFormat(text)) {
    if (fam.type !== 'HISTOGRAM') continue;
    out.set(
      fam.name,
      fam.metrics.map((m) =>
        Object.fromEntries(
          Object.entries(
            (m as unknown as { buckets?: Record<string, string> }).buckets ??
              {},
          ).map(([le, v]) => [le, Number(v)]),
        ),
      ),
    );
  }
  return out;
}
