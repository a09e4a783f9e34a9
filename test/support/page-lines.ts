/**
 * A test-side reader of one exposition page, line by line (an oracle independent of
 * the project's parser): every sample line as name, labels, value text and number.
 */

export interface PageSample {
  name: string;
  labels: Record<string, string>;
  /** The value as written. */
  raw: string;
  value: number;
  /** Name and label block, without the value. */
  series: string;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function pageSamples(page: string): PageSample[] {
  return page
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = LINE.exec(l);
      if (!m) throw new Error(`unparsable line: ${l}`);
      const labels: Record<string, string> = {};
      for (const [, k, v] of (m[2] ?? '').matchAll(LABEL)) labels[k!] = v!;
      return {
        name: m[1]!,
        labels,
        raw: m[3]!,
        value: Number(m[3]),
        series: `${m[1]}${m[2] ?? ''}`,
      };
    });
}

/** The value of the one sample of `name` whose labels include `labels`. */
export function pageValue(
  page: string,
  name: string,
  labels: Record<string, string> = {},
): number {
  const hit = pageSamples(page).filter(
    (s) =>
      s.name === name &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (hit.length !== 1) throw new Error(`${hit.length} samples for ${name}`);
  return hit[0]!.value;
}
