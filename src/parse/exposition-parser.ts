import { BucketBudget, countBucketsBefore } from './bucket-budget.js';
import {
  isBlank,
  isBucketName,
  isNameChar,
  isTimestamp,
} from './exposition-chars.js';
import { labelBudgetReason, labelScanThreshold } from './label-budget.js';
import {
  DEFAULT_PAGE_LIMITS,
  budgetReason,
  type PageLimits,
} from './page-budget.js';
import { parseNumber } from './parse-number.js';
import { seriesBudgetReason } from './series-budget.js';

/**
 * Prometheus text exposition format 0.0.4, as engines really write it.
 *
 * A streaming visitor: the body is walked once, line by line, and each sample
 * is handed over as offsets into the body plus its parsed value. Nothing is
 * allocated per character and nothing per sample unless the handler asks for
 * it, so a page can be folded straight into a running aggregate.
 *
 * The series part of a line (`name{labels}`) is located from the end of the
 * line (value, optional timestamp) so the label block is not scanned here;
 * handlers intern the raw series text and validate it once per distinct text
 * (see `parseSeriesText`). Bad lines are skipped and counted, never fatal.
 *
 * Boundaries, enforced here so no handler sees what they exclude:
 * - page budgets (`PageLimits`): a page over one is rejected as a whole, the walk
 *   stops there and `rejected` gives the reason; the work stays linear in the page;
 * - the coordinator's own namespaces (`motor:*`, `motor_coordinator_*`) are never
 *   taken from an engine page: their samples and HELP/TYPE lines are bad lines
 *   (`ownNamespaces: 'keep'` reads them, for the coordinator's own output).
 */

export type MetricType =
  'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface ExpositionHandler {
  /**
   * `# HELP name text`: the name at `[nameStart, nameEnd)` (not validated: see
   * `isValidMetricName`), the still escaped text at `[textStart, textEnd)`.
   * Return `false` to have the line counted as bad.
   */
  help(
    body: string,
    nameStart: number,
    nameEnd: number,
    textStart: number,
    textEnd: number,
  ): boolean;
  /** `# TYPE name type`; unknown types (OpenMetrics `unknown`, `info`…) arrive as `untyped`. */
  type(
    body: string,
    nameStart: number,
    nameEnd: number,
    type: MetricType,
  ): boolean;
  /**
   * One sample line. `[seriesStart, seriesEnd)` is `name` or `name{labels}` as written
   * (surrounding blanks trimmed, the label block not validated). Return `false` to have
   * the line counted as bad (for example when the label block turns out invalid).
   */
  sample(
    body: string,
    seriesStart: number,
    seriesEnd: number,
    value: number,
  ): boolean;
}

export interface ParseStats {
  /** Sample lines accepted by the handler (0 when the page is rejected). */
  samples: number;
  /** Lines skipped as unparsable (or rejected by the handler). */
  badLines: number;
  /**
   * Set when the page exceeds a page budget: the page is rejected as a whole and
   * this names the limit and the value (`page budget: 1000001 series > max_series_per_page 200000`).
   * The handler may have seen the lines before the one over budget, never the rest.
   */
  rejected?: string;
}

const TYPES: Readonly<Record<string, MetricType>> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  summary: 'summary',
  untyped: 'untyped',
};

/** Names in the coordinator's own namespaces: never taken from an engine page. */
export function isReservedMetricName(
  s: string,
  start = 0,
  end = s.length,
): boolean {
  if (s.charCodeAt(start) !== 109 /* m */) return false;
  return (
    (end - start >= 6 && s.startsWith('motor:', start)) ||
    (end - start >= 18 && s.startsWith('motor_coordinator_', start))
  );
}

function typeOf(body: string, start: number, end: number): MetricType {
  switch (end - start) {
    case 5:
      if (body.startsWith('gauge', start)) return 'gauge';
      break;
    case 7:
      if (body.startsWith('counter', start)) return 'counter';
      if (body.startsWith('summary', start)) return 'summary';
      if (body.startsWith('untyped', start)) return 'untyped';
      break;
    case 9:
      if (body.startsWith('histogram', start)) return 'histogram';
      break;
  }
  return TYPES[body.slice(start, end).toLowerCase()] ?? 'untyped';
}

/**
 * Parses a `#` line. Returns false when a HELP/TYPE line is malformed or names a
 * reserved family, a reason when its name is over budget.
 */
function parseComment(
  body: string,
  start: number,
  end: number,
  handler: ExpositionHandler,
  limits: PageLimits,
  reserved: boolean,
): boolean | string {
  let i = start + 1;
  while (i < end && isBlank(body.charCodeAt(i))) i++;
  const isHelp = body.startsWith('HELP', i);
  if (!isHelp && !body.startsWith('TYPE', i)) return true; // plain comment
  i += 4;
  if (i < end && !isBlank(body.charCodeAt(i))) return true; // e.g. "# HELPER", a comment
  while (i < end && isBlank(body.charCodeAt(i))) i++;
  const nameStart = i;
  while (i < end && !isBlank(body.charCodeAt(i))) i++;
  if (i === nameStart) return false;
  const nameEnd = i;
  if (nameEnd - nameStart > limits.maxLabelValueLength) {
    return budgetReason(
      nameEnd - nameStart,
      'characters in a metric name',
      'maxLabelValueLength',
      limits,
    );
  }
  if (reserved && isReservedMetricName(body, nameStart, nameEnd)) return false;
  while (i < end && isBlank(body.charCodeAt(i))) i++;
  if (isHelp) return handler.help(body, nameStart, nameEnd, i, end);
  return handler.type(body, nameStart, nameEnd, typeOf(body, i, end));
}

export function parseExposition(
  body: string,
  handler: ExpositionHandler,
  limits: PageLimits = DEFAULT_PAGE_LIMITS,
  ownNamespaces: 'bad' | 'keep' = 'bad',
): ParseStats {
  const reserved = ownNamespaces === 'bad';
  const tooMany = seriesBudgetReason(body, limits);
  if (tooMany !== undefined)
    return { samples: 0, badLines: 0, rejected: tooMany };
  const scanAbove = labelScanThreshold(limits);
  let buckets: BucketBudget | undefined;
  let nextBrace = -1;
  let lines = 0;
  const maxBuckets = limits.maxBucketsPerHistogram;
  const len = body.length;
  let samples = 0;
  let badLines = 0;
  let pos = 0;
  while (pos < len) {
    let nl = body.indexOf('\n', pos);
    if (nl < 0) nl = len;
    let start = pos;
    let end = nl;
    pos = nl + 1;
    // Trim blanks and the '\r' of CRLF pages.
    while (end > start) {
      const c = body.charCodeAt(end - 1);
      if (c === 13 || c === 32 || c === 9) end--;
      else break;
    }
    while (start < end && isBlank(body.charCodeAt(start))) start++;
    if (start === end) continue;
    if (body.charCodeAt(start) === 35 /* # */) {
      const ok = parseComment(body, start, end, handler, limits, reserved);
      if (typeof ok === 'string') return { samples: 0, badLines, rejected: ok };
      if (!ok) badLines++;
      continue;
    }
    // Last token: the value, or the timestamp when one follows the value.
    let i = end - 1;
    while (i > start && !isBlank(body.charCodeAt(i))) i--;
    if (i <= start) {
      badLines++;
      continue;
    }
    let valueStart = i + 1;
    let valueEnd = end;
    let seriesEnd = i;
    while (seriesEnd > start && isBlank(body.charCodeAt(seriesEnd - 1)))
      seriesEnd--;
    // A series ends with '}' or a name character. If what precedes the last token
    // is not a label block and still holds a blank, the last token was a timestamp.
    if (body.charCodeAt(seriesEnd - 1) !== 125 /* } */) {
      let j = seriesEnd - 1;
      while (j > start && !isBlank(body.charCodeAt(j))) j--;
      if (j > start) {
        if (!isTimestamp(body, valueStart, valueEnd)) {
          badLines++;
          continue;
        }
        valueStart = j + 1;
        valueEnd = seriesEnd;
        seriesEnd = j;
        while (seriesEnd > start && isBlank(body.charCodeAt(seriesEnd - 1)))
          seriesEnd--;
      }
    }
    const value = parseNumber(body, valueStart, valueEnd);
    if (value === undefined) {
      badLines++;
      continue;
    }
    if (
      reserved &&
      body.charCodeAt(start) === 109 /* m */ &&
      isReservedMetricName(body, start, seriesEnd)
    ) {
      badLines++;
      continue;
    }
    if (seriesEnd - start > scanAbove) {
      // Long enough to be over a label budget (rare): measure the name and labels.
      let nameEnd = start;
      while (nameEnd < seriesEnd && isNameChar(body.charCodeAt(nameEnd)))
        nameEnd++;
      const reason =
        nameEnd - start > limits.maxLabelValueLength
          ? budgetReason(
              nameEnd - start,
              'characters in a metric name',
              'maxLabelValueLength',
              limits,
            )
          : labelBudgetReason(body, start, nameEnd, seriesEnd, limits);
      if (reason !== undefined)
        return { samples: 0, badLines, rejected: reason };
    }
    // Buckets per histogram: a page of no more lines than the limit cannot be over
    // it, so bucket lines are looked for only once the page is past that many lines
    // (the lines before are then counted in one go).
    if (++lines > maxBuckets) {
      if (buckets === undefined) {
        buckets = new BucketBudget(limits);
        const reason = countBucketsBefore(body, start, buckets);
        if (reason !== undefined)
          return { samples: 0, badLines, rejected: reason };
      }
      // The name ends at the line's first `{` (a name holds none), found with indexOf
      // from where the last search ended: the searches of a page cover it once.
      if (nextBrace < start) {
        nextBrace = body.indexOf('{', start);
        if (nextBrace < 0) nextBrace = len; // none left
      }
      let nameEnd = nextBrace < seriesEnd ? nextBrace : seriesEnd;
      while (nameEnd > start && isBlank(body.charCodeAt(nameEnd - 1)))
        nameEnd--;
      if (isBucketName(body, start, nameEnd)) {
        const reason = buckets.add(body, start, nameEnd, seriesEnd);
        if (reason !== undefined)
          return { samples: 0, badLines, rejected: reason };
      }
    }
    if (!handler.sample(body, start, seriesEnd, value)) {
      badLines++;
      continue;
    }
    samples++;
  }
  return { samples, badLines };
}
