import {
  type GroupOutput,
  type ViewOutput,
} from '../aggregate/aggregate.types.js';
import type { HistGroup, Series } from '../aggregate/catalog.types.js';
import type { SeriesCatalog } from '../aggregate/series-catalog.js';
import {
  KIND_BUCKET,
  KIND_COUNT,
  KIND_QUANTILE,
  KIND_SUM,
} from '../aggregate/series-codes.js';
import type { LabelPair } from '../parse/label-block.js';
import { TextWriter } from './text-writer.js';
import { histLabels, seriesLabels } from './view-labels.js';
import { viewLabelCache, type ViewLabelCache } from './label-cache.js';
import { familyHasSamples } from './family-cursor.js';
import { skipFamily } from './family-filter.js';
import { VIEW_INDEX, VIEW_LABELS } from '../aggregate/views.js';

export const OPENTELEMETRY_CONTENT_TYPE = 'application/json';

/**
 * OTLP/JSON metrics (the protobuf JSON mapping): counters as monotonic cumulative sums,
 * gauges and untyped as gauges, histograms with non-cumulative `bucketCounts` and finite
 * `explicitBounds`, summaries with their quantile values (dp view only) — the same data as
 * the text. 64-bit integers and the time are strings; NaN / ±Inf doubles are "NaN",
 * "Infinity", "-Infinity".
 */

function jsonDouble(v: number): string {
  if (v !== v) return '"NaN"';
  if (v === Infinity) return '"Infinity"';
  if (v === -Infinity) return '"-Infinity"';
  return String(v);
}

function jsonUint(v: number): string {
  return `"${v > 0 ? Math.round(v) : 0}"`;
}

function attributeList(pairs: readonly LabelPair[]): string {
  let out = '';
  for (const [k, v] of pairs) {
    if (out !== '') out += ',';
    out += `{"key":${JSON.stringify(k)},"value":{"stringValue":${JSON.stringify(v)}}}`;
  }
  return out;
}

function seriesJson(cache: ViewLabelCache, s: Series): string {
  let cached = cache.seriesJson[s.id];
  if (cached === undefined) {
    cached = attributeList(seriesLabels(cache, s));
    cache.seriesJson[s.id] = cached;
  }
  return cached;
}

function histJson(cache: ViewLabelCache, g: HistGroup): string {
  let cached = cache.histJson[g.id];
  if (cached === undefined) {
    cached = attributeList(histLabels(cache, g));
    cache.histJson[g.id] = cached;
  }
  return cached;
}

/** `,"startTimeUnixNano":"…"` of a cumulative point: when its series first appeared (or restarted). */
function startOf(group: GroupOutput, cell: number): string {
  const since =
    typeof group.since === 'number' ? group.since : group.since?.[cell];
  if (since === undefined || !Number.isFinite(since)) return '';
  return `,"startTimeUnixNano":"${(BigInt(Math.round(since)) * 1_000_000n).toString()}"`;
}

function joinAttrs(a: string, b: string, c: string): string {
  let out = a;
  if (b !== '') out = out === '' ? b : `${out},${b}`;
  if (c !== '') out = out === '' ? c : `${out},${c}`;
  return `[${out}]`;
}

export function renderOpenTelemetry(
  catalog: SeriesCatalog,
  view: ViewOutput,
  groups: readonly GroupOutput[],
  createdAt: number,
  /** Per family id, 1 = in the output (the view's bounds); none = every family. */
  keep?: Uint8Array,
): Buffer {
  const cache = viewLabelCache(
    catalog,
    VIEW_INDEX[view.view],
    VIEW_LABELS[view.view],
  ).forJson(catalog);
  const series = catalog.series;
  const time = `"${(BigInt(Math.round(createdAt)) * 1_000_000n).toString()}"`;
  const groupJson = groups.map((g) => attributeList(g.labels));
  const cursors = new Int32Array(groups.length);
  let estimate = 4096;
  for (let g = 0; g < groups.length; g++)
    estimate += groups[g]!.mids.length * (groupJson[g]!.length + 160);
  const out = new TextWriter(estimate);
  out.write(
    '{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"motor-coordinator"}}]},"scopeMetrics":[{"scope":{"name":"motor-coordinator"},"metrics":[',
    true,
  );

  const histogramPoint = (
    g: number,
    from: number,
    to: number,
    hist: HistGroup,
  ): string => {
    const group = groups[g]!;
    let bounds = '';
    let counts = '';
    let previous = 0;
    let infinite: number | undefined;
    let sum: number | undefined;
    let count: number | undefined;
    for (let c = from; c < to; c++) {
      const s = series[group.mids[c]!]!;
      const v = group.values[c]!;
      if (s.kind === KIND_BUCKET) {
        const cumulative = v > previous ? v : previous;
        if (s.bound === Infinity) infinite = cumulative;
        else {
          bounds +=
            bounds === '' ? jsonDouble(s.bound) : `,${jsonDouble(s.bound)}`;
          counts += `${jsonUint(cumulative - previous)},`;
          previous = cumulative;
        }
      } else if (s.kind === KIND_SUM) sum = v;
      else if (s.kind === KIND_COUNT) count = v;
    }
    const total = count ?? infinite ?? previous;
    counts += jsonUint(Math.max(0, (infinite ?? total) - previous));
    const attrs = joinAttrs('', groupJson[g]!, histJson(cache, hist));
    const sumPart = sum === undefined ? '' : `,"sum":${jsonDouble(sum)}`;
    return `{"attributes":${attrs}${startOf(group, from)},"timeUnixNano":${time},"count":${jsonUint(total)}${sumPart},"bucketCounts":[${counts}],"explicitBounds":[${bounds}]}`;
  };

  const summaryPoint = (
    g: number,
    from: number,
    to: number,
    hist: HistGroup,
  ): string => {
    const group = groups[g]!;
    let sum = 0;
    let count = 0;
    let quantiles = '';
    for (let c = from; c < to; c++) {
      const s = series[group.mids[c]!]!;
      const v = group.values[c]!;
      if (s.kind === KIND_SUM) sum = v;
      else if (s.kind === KIND_COUNT) count = v;
      else if (s.kind === KIND_QUANTILE) {
        if (quantiles !== '') quantiles += ',';
        quantiles += `{"quantile":${jsonDouble(s.bound)},"value":${jsonDouble(v)}}`;
      }
    }
    const attrs = joinAttrs('', groupJson[g]!, histJson(cache, hist));
    return `{"attributes":${attrs}${startOf(group, from)},"timeUnixNano":${time},"count":${jsonUint(count)},"sum":${jsonDouble(sum)},"quantileValues":[${quantiles}]}`;
  };

  let firstMetric = true;
  for (const family of catalog.families) {
    const fid = family.id;
    if (keep && keep[fid] !== 1) {
      skipFamily(groups, cursors, series, fid);
      continue;
    }
    const any = familyHasSamples(groups, cursors, series, fid);
    if (!any && view.declared[fid] !== 1) continue;
    const head = `${firstMetric ? '' : ','}{"name":${JSON.stringify(family.name)},"description":${JSON.stringify(family.help ?? family.name)},"unit":"",`;
    firstMetric = false;
    const isHist = family.type === 'histogram';
    const isSummary = family.type === 'summary';
    out.write(head, false);
    out.write(
      family.type === 'counter'
        ? '"sum":{"dataPoints":['
        : isHist
          ? '"histogram":{"dataPoints":['
          : isSummary
            ? '"summary":{"dataPoints":['
            : '"gauge":{"dataPoints":[',
      true,
    );
    let firstPoint = true;
    for (let g = 0; g < groups.length && any; g++) {
      const group = groups[g]!;
      const mids = group.mids;
      let c = cursors[g]!;
      while (c < mids.length && series[mids[c]!]!.family.id === fid) {
        const s = series[mids[c]!]!;
        let point: string;
        if (s.hist && (isHist || isSummary)) {
          const hist = s.hist;
          let end = c + 1;
          while (end < mids.length && series[mids[end]!]!.hist === hist) end++;
          point = isHist
            ? histogramPoint(g, c, end, hist)
            : summaryPoint(g, c, end, hist);
          c = end;
          out.write(firstPoint ? point : `,${point}`, false);
        } else {
          const lead = s.lead ? attributeList([s.lead]) : '';
          const own = seriesJson(cache, s);
          const start = family.type === 'counter' ? startOf(group, c) : '';
          point = `${firstPoint ? '' : ','}{"attributes":${joinAttrs(lead, groupJson[g]!, own)}${start},"timeUnixNano":${time},"asDouble":${jsonDouble(group.values[c]!)}}`;
          c++;
          out.write(point, false);
        }
        firstPoint = false;
      }
      cursors[g] = c;
    }
    out.write(
      family.type === 'counter'
        ? '],"aggregationTemporality":2,"isMonotonic":true}}'
        : isHist
          ? '],"aggregationTemporality":2}}'
          : ']}}',
      true,
    );
  }
  out.write(']}]}]}', true);
  return out.finish();
}
