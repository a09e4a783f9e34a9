/**
 * Number parsing for exposition values, without allocating in the common case.
 *
 * Accepts what Prometheus' Go parser accepts as a float (`strconv.ParseFloat`):
 * decimal and e-notation with an optional sign, and `NaN` / `Inf` / `Infinity`
 * in any case with an optional sign. Returns `undefined` for anything else.
 */

const MAX_EXACT = 9007199254740992; // 2^53
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) =>
  Number(`1e${i}`),
);

function matchWordCi(
  s: string,
  start: number,
  end: number,
  word: string,
): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    // ASCII letters only: OR-ing 0x20 folds the case.
    if ((s.charCodeAt(start + i) | 0x20) !== word.charCodeAt(i)) return false;
  }
  return true;
}

export function parseNumber(
  s: string,
  start: number,
  end: number,
): number | undefined {
  if (start >= end) return undefined;
  let i = start;
  let negative = false;
  let c = s.charCodeAt(i);
  if (c === 43 /* + */ || c === 45 /* - */) {
    negative = c === 45;
    i++;
    if (i >= end) return undefined;
    c = s.charCodeAt(i);
  }
  // Letters: NaN, Inf, Infinity (any case).
  if (c > 57) {
    if (matchWordCi(s, i, end, 'inf') || matchWordCi(s, i, end, 'infinity')) {
      return negative ? -Infinity : Infinity;
    }
    if (matchWordCi(s, i, end, 'nan')) return NaN;
    return undefined;
  }
  let mantissa = 0;
  let digits = 0;
  let exp10 = 0;
  let sawDot = false;
  for (; i < end; i++) {
    c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (sawDot) exp10--;
    } else if (c === 46 /* . */ && !sawDot) {
      sawDot = true;
    } else {
      break;
    }
  }
  if (digits === 0) return undefined;
  if (i < end) {
    if ((c | 0x20) !== 101 /* e */) return undefined;
    i++;
    let expNegative = false;
    c = s.charCodeAt(i);
    if (c === 43 || c === 45) {
      expNegative = c === 45;
      i++;
    }
    let e = 0;
    let expDigits = 0;
    for (; i < end; i++) {
      c = s.charCodeAt(i);
      if (c < 48 || c > 57) return undefined;
      e = e * 10 + (c - 48);
      expDigits++;
      if (e > 100000) e = 100000; // saturate; the slow path handles the value
    }
    if (expDigits === 0) return undefined;
    exp10 += expNegative ? -e : e;
  }
  let value: number;
  // Clinger's fast path: an exact integer mantissa times an exact power of ten
  // is correctly rounded by a single IEEE operation.
  if (mantissa <= MAX_EXACT && exp10 >= -22 && exp10 <= 22) {
    value = exp10 < 0 ? mantissa / POW10[-exp10]! : mantissa * POW10[exp10]!;
  } else {
    // The token is validated above, so Number() sees only a plain float literal.
    value = Number(
      s.slice(negative || s.charCodeAt(start) === 43 ? start + 1 : start, end),
    );
  }
  return negative ? -value : value;
}

/** Prometheus text value: NaN, +Inf, -Inf, otherwise the shortest round-trip decimal. */
export function formatNumber(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v !== v) return 'NaN';
  return String(v);
}
