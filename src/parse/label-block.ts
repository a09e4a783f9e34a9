/**
 * Full validation of a series text (`name{label="value",...}`), done once per
 * distinct series text: the hot path only interns the raw text.
 *
 * Labels come out in canonical order (sorted by name, UTF-16 code unit order), so
 * two texts that differ only in the order of their labels parse to equal results
 * and equal `seriesKey`s. Labels whose name starts with `__` are reserved (Prometheus
 * keeps them for itself, `__name__` is the metric name): a series carrying one is
 * rejected, never taken with the label dropped.
 */

export type LabelPair = readonly [name: string, value: string];

export interface ParsedSeries {
  readonly name: string;
  /** Sorted by name (no two with the same name). */
  readonly labels: readonly LabelPair[];
}

const byName = (a: LabelPair, b: LabelPair): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

/**
 * The identity of a parsed series: equal for equal name and label set, whatever
 * the order the labels were written in (labels are already canonical).
 */
export function seriesKey(series: ParsedSeries): string {
  return JSON.stringify([series.name, series.labels]);
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}
function isLabelNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isLabelNameChar(c: number): boolean {
  return isLabelNameStart(c) || (c >= 48 && c <= 57);
}
function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/** Whether `[start, end)` of `s` (all of `s` by default) is a valid metric name. */
export function isValidMetricName(
  s: string,
  start = 0,
  end = s.length,
): boolean {
  if (start >= end || !isNameStart(s.charCodeAt(start))) return false;
  for (let i = start + 1; i < end; i++)
    if (!isNameChar(s.charCodeAt(i))) return false;
  return true;
}

/** Returns the parsed series, or an error message. Duplicate label names are an error. */
export function parseSeriesText(text: string): ParsedSeries | string {
  const end = text.length;
  let i = 0;
  if (i >= end || !isNameStart(text.charCodeAt(i)))
    return 'invalid metric name';
  while (i < end && isNameChar(text.charCodeAt(i))) i++;
  const name = text.slice(0, i);
  while (i < end && isBlank(text.charCodeAt(i))) i++;
  if (i === end) return { name, labels: [] };
  if (text.charCodeAt(i) !== 123 /* { */)
    return 'unexpected character after metric name';
  i++;
  const labels: LabelPair[] = [];
  for (;;) {
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    if (i >= end) return 'unterminated label set';
    if (text.charCodeAt(i) === 125 /* } */) {
      i++;
      break;
    }
    const nameStart = i;
    if (!isLabelNameStart(text.charCodeAt(i))) return 'invalid label name';
    while (i < end && isLabelNameChar(text.charCodeAt(i))) i++;
    const labelName = text.slice(nameStart, i);
    if (
      text.charCodeAt(nameStart) === 95 &&
      text.charCodeAt(nameStart + 1) === 95
    )
      return `reserved label name "${labelName}"`;
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 61 /* = */)
      return 'expected "=" after label name';
    i++;
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 34 /* " */) return 'expected quoted label value';
    i++;
    let value = '';
    let chunk = i;
    for (;;) {
      if (i >= end) return 'unterminated label value';
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c === 92 /* \ */) {
        const n = text.charCodeAt(i + 1);
        let repl: string;
        if (n === 92) repl = '\\';
        else if (n === 34) repl = '"';
        else if (n === 110 /* n */) repl = '\n';
        else return 'invalid escape in label value';
        value += text.slice(chunk, i) + repl;
        i += 2;
        chunk = i;
        continue;
      }
      if (c === 10) return 'newline in label value';
      i++;
    }
    value += text.slice(chunk, i);
    i++; // closing quote
    labels.push([labelName, value]);
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    const c = text.charCodeAt(i);
    if (c === 44 /* , */) {
      i++;
      continue;
    }
    if (c === 125) {
      i++;
      break;
    }
    return 'expected "," or "}" in label set';
  }
  while (i < end && isBlank(text.charCodeAt(i))) i++;
  if (i !== end) return 'unexpected text after label set';
  // Canonical order, and duplicates found as neighbours: linear when already sorted
  // (as pages write them), n log n otherwise, never quadratic.
  let sorted = true;
  for (let k = 1; k < labels.length; k++) {
    if (!(labels[k - 1]![0] < labels[k]![0])) {
      sorted = false;
      break;
    }
  }
  if (!sorted) {
    labels.sort(byName);
    for (let k = 1; k < labels.length; k++) {
      if (labels[k - 1]![0] === labels[k]![0])
        return `duplicate label name "${labels[k]![0]}"`;
    }
  }
  return { name, labels };
}

/** Unescapes a HELP docstring (`\\` and `\n`; other backslashes are kept as written). */
export function unescapeHelp(s: string, start: number, end: number): string {
  const raw = s.slice(start, end);
  if (raw.indexOf('\\') < 0) return raw;
  return raw.replace(/\\([\\n])/g, (_m, ch: string) =>
    ch === 'n' ? '\n' : '\\',
  );
}
