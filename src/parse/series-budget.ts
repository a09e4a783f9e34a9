import { isBlank } from './exposition-chars.js';
import { budgetReason, type PageLimits } from './page-budget.js';

/**
 * Counts the sample lines and the HELP/TYPE lines of a page when it has more lines
 * than `maxSeriesPerPage` (a cheap newline count otherwise), before anything of the
 * page is handed on. Returns the reason when either count is over the limit.
 */
export function seriesBudgetReason(
  body: string,
  limits: PageLimits,
): string | undefined {
  const max = limits.maxSeriesPerPage;
  // A counted line takes a character and a newline (the last one no newline).
  if (body.length <= max) return undefined;
  let lines = 1;
  for (let nl = body.indexOf('\n'); nl >= 0; nl = body.indexOf('\n', nl + 1)) {
    if (++lines > max) break;
  }
  if (lines <= max) return undefined;
  let samples = 0;
  let metadata = 0;
  const len = body.length;
  let pos = 0;
  while (pos < len) {
    let nl = body.indexOf('\n', pos);
    if (nl < 0) nl = len;
    let i = pos;
    pos = nl + 1;
    while (i < nl && isBlank(body.charCodeAt(i))) i++;
    const c = body.charCodeAt(i);
    if (i >= nl || (c === 13 && i === nl - 1)) continue;
    if (c !== 35 /* # */) {
      samples++;
      continue;
    }
    i++;
    while (i < nl && isBlank(body.charCodeAt(i))) i++;
    if (body.startsWith('HELP', i) || body.startsWith('TYPE', i)) metadata++;
  }
  if (samples > max)
    return budgetReason(samples, 'series', 'maxSeriesPerPage', limits);
  if (metadata > max)
    return budgetReason(
      metadata,
      'HELP/TYPE lines',
      'maxSeriesPerPage',
      limits,
    );
  return undefined;
}
