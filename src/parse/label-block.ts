/**
 * Full validation of a series text (`name{label="value",...}`), done once per
 * distinct series text: the hot path only interns the raw text.
 */

export type LabelPair = readonly [name: string, value: string];

export interface ParsedSeries {
  readonly name: string;
  /** In the order written. */
  readonly labels: readonly LabelPair[];
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
    for (const [n] of labels)
      if (n === labelName) return `duplicate label name "${labelName}"`;
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
