/** Character classes and tokens of the text exposition format, compared in place. */

export function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}
/** Whether the name `[start, end)` ends with `_bucket` (compared in place). */
export function isBucketName(s: string, start: number, end: number): boolean {
  return (
    end - start > 7 &&
    s.charCodeAt(end - 1) === 116 /* t */ &&
    s.charCodeAt(end - 2) === 101 /* e */ &&
    s.charCodeAt(end - 3) === 107 /* k */ &&
    s.charCodeAt(end - 4) === 99 /* c */ &&
    s.charCodeAt(end - 5) === 117 /* u */ &&
    s.charCodeAt(end - 6) === 98 /* b */ &&
    s.charCodeAt(end - 7) === 95 /* _ */
  );
}

/** `[a-zA-Z0-9_:]`: a character of a metric name. */
export function isNameChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95 ||
    c === 58
  );
}

/** `[a-zA-Z0-9_]`: a character of a label name. */
export function isLabelNameChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95
  );
}

/** Whether `[start, end)` is an integer timestamp (optional `-`, digits). */
export function isTimestamp(s: string, start: number, end: number): boolean {
  let i = start;
  if (s.charCodeAt(i) === 45) i++;
  if (i >= end) return false;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
