import {
  VIEW_INDEX,
  VIEW_LABELS,
  type GroupOutput,
  type ViewOutput,
} from '../aggregate/aggregate.types.js';
import {
  KIND_BUCKET,
  KIND_COUNT,
  KIND_QUANTILE,
  KIND_SUM,
  type Family,
  type HistGroup,
  type SeriesCatalog,
} from '../aggregate/series-catalog.js';
import type { LabelPair } from '../parse/label-block.js';
import { ChunkWriter } from './chunk-writer.js';
import { histLabels, seriesLabels } from './view-labels.js';

export const OPENTELEMETRY_CONTENT_TYPE = 'application/json';

/**
 * OTLP/JSON metrics (the protobuf JSON mapping): counters as monotonic cumulative sums,
 * gauges and untyped as gauges, histograms with non-cumulative `bucketCounts` and finite
 * `explicitBounds`, summaries with their quantile values (dp view only) — the same data as
 * the text. 64-bit integers and the time are strings; NaN / ±Inf doubles are "NaN",
 * "Infinity", "-Infinity".
 */

function jsonDouble(v: number): string {
  if (Number.isNaN(v)) return '"NaN"';
  if (v === Infinity) return '"Infinity"';
  if (v === -Infinity) return '"-Infinity"';
  return String(v);
}

function jsonUint(v: number): string {
  return `"${v > 0 ? Math.round(v) : 0}"`;
}

function attributes(
  groupLabels: readonly LabelPair[],
  lead: LabelPair | undefined,
  own: readonly LabelPair[],
): string {
  let out = '';
  const add = ([k, v]: LabelPair): void => {
    if (out !== '') out += ',';
    out += `{"key":${JSON.stringify(k)},"value":{"stringValue":${JSON.stringify(v)}}}`;
  };
  if (lead) add(lead);
  for (const p of groupLabels) add(p);
  for (const p of own) add(p);
  return `[${out}]`;
}

export function renderOpenTelemetry(
  catalog: SeriesCatalog,
  view: ViewOutput,
  groups: readonly GroupOutput[],
  createdAt: number,
): Buffer {
  const viewIndex = VIEW_INDEX[view.view];
  const injected = VIEW_LABELS[view.view];
  const series = catalog.series;
  const time = `"${(BigInt(Math.round(createdAt)) * 1_000_000n).toString()}"`;
  const cursors = new Int32Array(groups.length);
  const out = new ChunkWriter();
  out.write(
    '{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"motor-coordinator"}}]},"scopeMetrics":[{"scope":{"name":"motor-coordinator"},"metrics":[',
  );
  let firstMetric = true;

  const histogramPoint = (
    group: GroupOutput,
    from: number,
    to: number,
    hist: HistGroup,
  ): string => {
    const bounds: number[] = [];
    const counts: number[] = [];
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
          bounds.push(s.bound);
          counts.push(cumulative - previous);
          previous = cumulative;
        }
      } else if (s.kind === KIND_SUM) sum = v;
      else if (s.kind === KIND_COUNT) count = v;
    }
    const total = count ?? infinite ?? previous;
    counts.push(Math.max(0, (infinite ?? total) - previous));
    let p = `{"attributes":${attributes(group.labels, undefined, histLabels(hist, viewIndex, injected))},"timeUnixNano":${time},"count":${jsonUint(total)}`;
    if (sum !== undefined) p += `,"sum":${jsonDouble(sum)}`;
    p += `,"bucketCounts":[${counts.map(jsonUint).join(',')}],"explicitBounds":[${bounds.map(jsonDouble).join(',')}]}`;
    return p;
  };

  const summaryPoint = (
    group: GroupOutput,
    from: number,
    to: number,
    hist: HistGroup,
  ): string => {
    let sum = 0;
    let count = 0;
    const quantiles: string[] = [];
    for (let c = from; c < to; c++) {
      const s = series[group.mids[c]!]!;
      const v = group.values[c]!;
      if (s.kind === KIND_SUM) sum = v;
      else if (s.kind === KIND_COUNT) count = v;
      else if (s.kind === KIND_QUANTILE) {
        quantiles.push(
          `{"quantile":${jsonDouble(s.bound)},"value":${jsonDouble(v)}}`,
        );
      }
    }
    return `{"attributes":${attributes(group.labels, undefined, histLabels(hist, viewIndex, injected))},"timeUnixNano":${time},"count":${jsonUint(count)},"sum":${jsonDouble(sum)},"quantileValues":[${quantiles.join(',')}]}`;
  };

  const points = (family: Family): string[] => {
    const result: string[] = [];
    const fid = family.id;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      const mids = group.mids;
      let c = cursors[g]!;
      while (c < mids.length && series[mids[c]!]!.family.id === fid) {
        const s = series[mids[c]!]!;
        if (
          s.hist &&
          (family.type === 'histogram' || family.type === 'summary')
        ) {
          const hist = s.hist;
          let end = c + 1;
          while (end < mids.length && series[mids[end]!]!.hist === hist) end++;
          result.push(
            family.type === 'histogram'
              ? histogramPoint(group, c, end, hist)
              : summaryPoint(group, c, end, hist),
          );
          c = end;
          continue;
        }
        result.push(
          `{"attributes":${attributes(group.labels, s.lead, seriesLabels(s, viewIndex, injected))},"timeUnixNano":${time},"asDouble":${jsonDouble(group.values[c]!)}}`,
        );
        c++;
      }
      cursors[g] = c;
    }
    return result;
  };

  for (const family of catalog.families) {
    const fid = family.id;
    let any = false;
    for (let g = 0; g < groups.length && !any; g++) {
      const mids = groups[g]!.mids;
      const c = cursors[g]!;
      any = c < mids.length && series[mids[c]!]!.family.id === fid;
    }
    if (!any && view.declared[fid] !== 1) continue;
    const data = any ? points(family).join(',') : '';
    let body: string;
    if (family.type === 'counter') {
      body = `"sum":{"dataPoints":[${data}],"aggregationTemporality":2,"isMonotonic":true}`;
    } else if (family.type === 'histogram') {
      body = `"histogram":{"dataPoints":[${data}],"aggregationTemporality":2}`;
    } else if (family.type === 'summary') {
      body = `"summary":{"dataPoints":[${data}]}`;
    } else {
      body = `"gauge":{"dataPoints":[${data}]}`;
    }
    out.write(
      `${firstMetric ? '' : ','}{"name":${JSON.stringify(family.name)},"description":${JSON.stringify(family.help ?? family.name)},"unit":"",${body}}`,
    );
    firstMetric = false;
  }
  out.write(']}]}]}');
  return out.finish();
}
