import type { MetricType } from '../parse/exposition-parser.js';
import type { LabelPair } from '../parse/label-block.js';
import { formatNumber, parseNumber } from '../parse/parse-number.js';
import type { Family } from './catalog.types.js';
import {
  KIND_BUCKET,
  KIND_COUNT,
  KIND_PLAIN,
  KIND_QUANTILE,
  KIND_SUM,
} from './series-codes.js';

/**
 * How a sample name and its labels map onto a family's series: which sample of a
 * histogram or summary a name is, which names are never served, how `le` /
 * `quantile` and the rank labels (R1) are split off. Pure: the catalog passes its
 * tables in.
 */

export const HIST_SUFFIXES: readonly [string, number][] = [
  ['_bucket', KIND_BUCKET],
  ['_sum', KIND_SUM],
  ['_count', KIND_COUNT],
];
export const SUMMARY_SUFFIXES: readonly [string, number][] = [
  ['_sum', KIND_SUM],
  ['_count', KIND_COUNT],
];

/** Names never exposed as engine families: `*_created` companions and the reserved `motor:*`. */
export function isDroppedName(name: string): boolean {
  return name.endsWith('_created') || name.startsWith('motor:');
}

/**
 * A copy of `s` that does not keep the string it was sliced from alive: a slice of a
 * page would otherwise pin the whole page body in memory for as long as it is interned.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

export const byName = (a: LabelPair, b: LabelPair): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

/** `le` / `quantile` values normalized numerically so `0.1`, `0.10` and `1e-1` merge. */
function normalizeBound(text: string): number | undefined {
  return parseNumber(text.trim(), 0, text.trim().length);
}

/** The KIND_* of sample `name` in `family`, or undefined when it is none of its samples. */
export function sampleKind(family: Family, name: string): number | undefined {
  if (family.type === 'histogram') {
    for (const [suffix, k] of HIST_SUFFIXES)
      if (name === family.name + suffix) return k;
    return undefined;
  }
  if (name === family.name)
    return family.type === 'summary' ? KIND_QUANTILE : KIND_PLAIN;
  if (family.type === 'summary') {
    for (const [suffix, k] of SUMMARY_SUFFIXES)
      if (name === family.name + suffix) return k;
  }
  return undefined;
}

/**
 * Whether a plain family `name` would print a histogram's or summary's sample name
 * (`x_bucket`, `x_sum`, `x_count` of histogram `x`; `s_sum`, `s_count` of summary `s`).
 * The stated rule: the histogram or summary wins, whichever engine came first.
 */
export function isComponentName(
  families: ReadonlyMap<string, Family>,
  name: string,
  type: MetricType | undefined,
): boolean {
  if (type === 'histogram' || type === 'summary') return false;
  for (const [suffix, kind] of HIST_SUFFIXES) {
    if (!name.endsWith(suffix)) continue;
    const base = families.get(name.slice(0, -suffix.length));
    if (!base || base.derived) continue;
    if (base.type === 'histogram') return true;
    if (base.type === 'summary' && kind !== KIND_BUCKET) return true;
  }
  return false;
}

/**
 * Splits a series' labels: `le` (buckets) or `quantile` (summary quantiles) becomes the
 * returned bound (NaN for other kinds); every other label goes to `base`, sorted by name,
 * and the rank labels also to `rank`. Undefined: the bound is missing or not a number.
 */
export function splitLabels(
  labels: readonly LabelPair[],
  kind: number,
  rankLabels: ReadonlySet<string>,
  base: LabelPair[],
  rank: LabelPair[],
): number | undefined {
  let bound = NaN;
  const boundLabel =
    kind === KIND_BUCKET ? 'le' : kind === KIND_QUANTILE ? 'quantile' : '';
  for (const pair of labels) {
    if (pair[0] === boundLabel) {
      const b = normalizeBound(pair[1]);
      if (b === undefined || Number.isNaN(b)) return undefined;
      bound = b;
    } else {
      if (rankLabels.has(pair[0])) rank.push(pair);
      base.push(pair);
    }
  }
  if (boundLabel !== '' && Number.isNaN(bound)) return undefined;
  base.sort(byName);
  return bound;
}

/** A series' full labels: `labels` plus `le` / `quantile` for buckets / summary quantiles. */
export function withBoundLabel(
  labels: readonly LabelPair[],
  kind: number,
  bound: number,
): readonly LabelPair[] {
  return kind === KIND_BUCKET
    ? [...labels, ['le', formatNumber(bound)] as LabelPair].sort(byName)
    : kind === KIND_QUANTILE
      ? [...labels, ['quantile', formatNumber(bound)] as LabelPair].sort(byName)
      : labels;
}

/** Rank labels as text (`dp_rank=0,engine=0`): the key that matches a capacity (R2). */
export function rankKey(rank: LabelPair[]): string {
  rank.sort(byName);
  return rank.length > 0 ? rank.map(([n, v]) => `${n}=${v}`).join(',') : '';
}
