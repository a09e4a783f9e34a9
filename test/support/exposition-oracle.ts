import type { ModelFamily, WriteStyle } from './exposition-model.js';

/**
 * An independent writer of Prometheus text expositions, the oracle of the
 * parser's property tests: escaping and number formatting written here,
 * independent of the coordinator's parser and renderer, with the freedoms real
 * pages take: labels in any order, blanks in label blocks, trailing commas,
 * timestamps, CRLF, numbers in several spellings, NaN/Inf in any case.
 */

function escapeValue(v: string): string {
  let out = '';
  for (const c of v) {
    if (c === '\\') out += '\\\\';
    else if (c === '"') out += '\\"';
    else if (c === '\n') out += '\\n';
    else out += c;
  }
  return out;
}

function escapeDoc(v: string): string {
  let out = '';
  for (const c of v) {
    if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else out += c;
  }
  return out;
}

/** A small deterministic generator of the writer's choices. */
function chooser(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

function writeNumber(v: number, pick: (n: number) => number): string {
  if (Number.isNaN(v)) return ['NaN', 'nan', 'NAN'][pick(3)]!;
  if (v === Infinity) return ['+Inf', 'Inf', '+inf', 'Infinity'][pick(4)]!;
  if (v === -Infinity) return ['-Inf', '-inf', '-Infinity'][pick(3)]!;
  switch (pick(3)) {
    case 0:
      return v.toExponential();
    case 1:
      return Number.isInteger(v) && Math.abs(v) < 1e21
        ? v.toFixed(0)
        : String(v);
    default:
      return String(v);
  }
}

export function writeExposition(
  families: readonly ModelFamily[],
  style: WriteStyle,
): string {
  const pick = chooser(style.seed);
  const nl = style.crlf ? '\r\n' : '\n';
  const lines: string[] = [];
  for (const f of families) {
    if (f.help !== undefined)
      lines.push(`# HELP ${f.name} ${escapeDoc(f.help)}`);
    if (f.typeLine) lines.push(`# TYPE ${f.name} ${f.type}`);
    if (pick(5) === 0) lines.push('# a plain comment');
    for (const s of f.samples) {
      const labels = [...s.labels];
      if (pick(3) === 0) labels.reverse();
      const sep = [',', ', ', ' , '][pick(3)]!;
      const eq = pick(4) === 0 ? ' = ' : '=';
      const body = labels
        .map(([k, v]) => `${k}${eq}"${escapeValue(v)}"`)
        .join(sep);
      const trailing = labels.length > 0 && pick(4) === 0 ? ',' : '';
      const series =
        labels.length === 0 && pick(2) === 0
          ? s.name
          : `${s.name}{${body}${trailing}}`;
      const ts = pick(4) === 0 ? ` ${1_700_000_000_000 + pick(1000)}` : '';
      lines.push(`${series} ${writeNumber(s.value, pick)}${ts}`);
    }
  }
  return lines.join(nl) + (lines.length > 0 && pick(2) === 0 ? nl : '');
}
