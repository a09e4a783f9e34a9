import { isBlank, isLabelNameChar } from './exposition-chars.js';
import { budgetReason, shownName, type PageLimits } from './page-budget.js';

/**
 * The label budgets of a sample line (labels per series, label name and value
 * lengths), measured only on series texts long enough to break one.
 */

/**
 * Walks the label pairs of the block opening at `open` (a `{`) up to `end`, calling
 * `pair` with the name range, the raw value range and the unescaped value length;
 * `pair` returns false to stop. Stops quietly at the first syntax error: the line is
 * judged later by `parseSeriesText`, this walk only measures.
 */
export function walkLabels(
  s: string,
  open: number,
  end: number,
  pair: (
    nameStart: number,
    nameEnd: number,
    valueStart: number,
    valueEnd: number,
    valueLength: number,
  ) => boolean,
): void {
  let i = open + 1;
  for (;;) {
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    if (i >= end) return;
    const nameStart = i;
    while (i < end && isLabelNameChar(s.charCodeAt(i))) i++;
    const nameEnd = i;
    if (nameEnd === nameStart) return; // `}` or a syntax error
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 61 /* = */) return;
    i++;
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 34 /* " */) return;
    i++;
    const valueStart = i;
    let length = 0;
    for (;;) {
      if (i >= end) return;
      const c = s.charCodeAt(i);
      if (c === 34) break;
      i += c === 92 /* \ */ ? 2 : 1;
      length++;
    }
    if (!pair(nameStart, nameEnd, valueStart, i, length)) return;
    i++;
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 44 /* , */) return;
    i++;
  }
}

/**
 * The smallest series text that can exceed a label budget: shorter series texts
 * need no scan. A label is at least `a=""` plus a comma; a name or value longer than
 * its limit needs at least that many characters.
 */
export function labelScanThreshold(limits: PageLimits): number {
  return Math.min(
    limits.maxLabelNameLength,
    limits.maxLabelValueLength,
    5 * limits.maxLabelsPerSeries + 6,
  );
}

/**
 * Checks the label block of the series text `[nameEnd, end)` of metric `[start, nameEnd)`
 * against the label budgets. Returns the reason, or undefined. Linear in the text.
 */
export function labelBudgetReason(
  s: string,
  start: number,
  nameEnd: number,
  end: number,
  limits: PageLimits,
): string | undefined {
  let i = nameEnd;
  while (i < end && isBlank(s.charCodeAt(i))) i++;
  if (s.charCodeAt(i) !== 123 /* { */ || i >= end) return undefined;
  let count = 0;
  let reason: string | undefined;
  walkLabels(s, i, end, (ns, ne, _vs, _ve, length) => {
    count++;
    if (reason !== undefined) return true;
    if (ne - ns > limits.maxLabelNameLength) {
      reason = budgetReason(
        ne - ns,
        `characters in a label name of ${shownName(s, start, nameEnd)}`,
        'maxLabelNameLength',
        limits,
      );
    } else if (length > limits.maxLabelValueLength) {
      reason = budgetReason(
        length,
        `characters in label value ${shownName(s, ns, ne)} of ${shownName(s, start, nameEnd)}`,
        'maxLabelValueLength',
        limits,
      );
    }
    return true;
  });
  if (count > limits.maxLabelsPerSeries) {
    return budgetReason(
      count,
      `labels in a series of ${shownName(s, start, nameEnd)}`,
      'maxLabelsPerSeries',
      limits,
    );
  }
  return reason;
}
