import {
  parseExposition,
  type ExpositionHandler,
  type ParseStats,
} from '../../src/parse/exposition-parser.js';
import {
  DEFAULT_PAGE_LIMITS,
  pageLimits,
  type PageLimits,
} from '../../src/parse/page-budget.js';

/** Records every series text handed over. */
class Recorder implements ExpositionHandler {
  readonly series: string[] = [];
  readonly names: string[] = [];
  help(b: string, s: number, e: number): boolean {
    this.names.push(b.slice(s, e));
    return true;
  }
  type(b: string, s: number, e: number): boolean {
    this.names.push(b.slice(s, e));
    return true;
  }
  sample(b: string, s: number, e: number): boolean {
    this.series.push(b.slice(s, e));
    return true;
  }
}

/** Parses `body` under `limits`: the parser's stats, the series texts and the HELP/TYPE names it saw. */
export function parse(
  body: string,
  limits: PageLimits = DEFAULT_PAGE_LIMITS,
): ParseStats & { seen: string[]; names: string[] } {
  const r = new Recorder();
  const stats = parseExposition(body, r, limits);
  return { ...stats, seen: r.series, names: r.names };
}

/** Budgets small enough to hit by hand. */
export const small = pageLimits({
  maxSeriesPerPage: 10,
  maxLabelsPerSeries: 3,
  maxLabelNameLength: 8,
  maxLabelValueLength: 12,
  maxBucketsPerHistogram: 4,
});
