import { parseNumber } from './parse-number.js';

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
  /** Sample lines accepted by the handler. */
  samples: number;
  /** Lines skipped as unparsable (or rejected by the handler). */
  badLines: number;
}

const TYPES: Readonly<Record<string, MetricType>> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  summary: 'summary',
  untyped: 'untyped',
};

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

function isTimestamp(s: string, start: number, end: number): boolean {
  let i = start;
  if (s.charCodeAt(i) === 45) i++;
  if (i >= end) return false;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
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

/** Parses a `#` line. Returns false when a HELP/TYPE line is malformed. */
function parseComment(
  body: string,
  start: number,
  end: number,
  handler: ExpositionHandler,
): boolean {
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
  while (i < end && isBlank(body.charCodeAt(i))) i++;
  if (isHelp) return handler.help(body, nameStart, nameEnd, i, end);
  return handler.type(body, nameStart, nameEnd, typeOf(body, i, end));
}

export function parseExposition(
  body: string,
  handler: ExpositionHandler,
): ParseStats {
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
      if (!parseComment(body, start, end, handler)) badLines++;
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
    if (value === undefined || !handler.sample(body, start, seriesEnd, value)) {
      badLines++;
      continue;
    }
    samples++;
  }
  return { samples, badLines };
}
