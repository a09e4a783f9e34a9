/**
 * Number and label formatting exactly as Python's prometheus_client writes
 * them (text format 0.0.4), so simulated pages are byte-compatible with real
 * vLLM pages.
 */

/** Python `repr(float)` for a finite number: shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16. */
export function formatPythonFloat(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  // toExponential() without an argument gives the shortest round-trip digits.
  const e = x.toExponential();
  const ePos = e.indexOf('e');
  const exp = Number(e.slice(ePos + 1));
  let mant = e.slice(0, ePos);
  const negative = mant.startsWith('-');
  if (negative) mant = mant.slice(1);
  const digits = mant.length > 1 ? mant[0] + mant.slice(2) : mant;
  let out: string;
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const intLen = exp + 1;
      out =
        digits.length <= intLen
          ? `${digits}${'0'.repeat(intLen - digits.length)}.0`
          : `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
    } else {
      out = `0.${'0'.repeat(-exp - 1)}${digits}`;
    }
  } else {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const a = Math.abs(exp);
    out = `${m}e${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
  }
  return negative ? `-${out}` : out;
}

function stripZerosAndDots(s: string): string {
  let end = s.length;
  while (end > 0 && (s[end - 1] === '0' || s[end - 1] === '.')) end--;
  return s.slice(0, end);
}

/**
 * prometheus_client's `floatToGoString`: Python repr, except that positive
 * values with 7 or more integer digits switch to Go-like exponent notation
 * (`2.743161e+06`, `4.28290317e+010`: the exponent is printed as `0` + digits).
 */
export function formatSampleValue(x: number): string {
  if (Number.isInteger(x) && x >= 0 && x < 1e16) {
    // Fast path: counts and other integral values (most samples on a page).
    if (x < 1e6) return `${x}.0`;
    const s = String(x);
    return `${stripZerosAndDots(`${s[0]}.${s.slice(1)}`)}e+0${s.length - 1}`;
  }
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (Number.isNaN(x)) return 'NaN';
  const s = formatPythonFloat(x);
  if (x > 0) {
    const dot = s.indexOf('.');
    if (dot > 6) {
      const mantissa = stripZerosAndDots(
        `${s[0]}.${s.slice(1, dot)}${s.slice(dot + 1)}`,
      );
      return `${mantissa}e+0${dot - 1}`;
    }
  }
  return s;
}

/** Label value escaping of the 0.0.4 text format. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
