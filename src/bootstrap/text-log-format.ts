/**
 * Text mode of the logs, for people: a tiny formatter instead of pino-pretty
 * (a development tool, not shipped in the image). It reads pino's JSON line
 * and prints
 *
 *   2026-01-29T12:00:00.000Z INFO  [RefreshAudit] refresh from=127.0.0.1 event=add ids=[1,2] status=200
 *
 * Fields follow the message as `key=value`; a value that is not a plain word
 * is printed as a JSON string, so spaces, quotes and control characters are
 * escaped. Continuation lines of a message (a stack trace) are indented: no
 * logged value can start a line of its own.
 */

const FIXED = new Set(['level', 'time', 'msg', 'context', 'service', 'pid']);
const PLAIN = /^[\w.:/@+,[\]-]+$/;

function value(v: unknown): string {
  if (typeof v === 'string') return PLAIN.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null)
    return String(v);
  if (typeof v === 'object' && v !== null && 'stack' in v) {
    const stack = (v as { stack?: unknown }).stack;
    if (typeof stack === 'string') return indent(`\n${stack}`);
  }
  return JSON.stringify(v) ?? '-';
}

/** Every line after the first starts with two spaces. */
function indent(text: string): string {
  return text.replace(/\r\n|\r|\n|\u2028|\u2029/g, '\n  ');
}

export function formatTextLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${indent(line.trimEnd())}\n`;
  }
  const level = (typeof entry.level === 'string' ? entry.level : 'info')
    .toUpperCase()
    .padEnd(5);
  const time = typeof entry.time === 'string' ? entry.time : '-';
  const context =
    typeof entry.context === 'string' ? ` [${indent(entry.context)}]` : '';
  const msg = typeof entry.msg === 'string' ? ` ${indent(entry.msg)}` : '';
  const fields = Object.keys(entry)
    .filter((k) => !FIXED.has(k))
    .map((k) => ` ${k}=${value(entry[k])}`)
    .join('');
  return `${time} ${level}${context}${msg}${fields}\n`;
}
