import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Pages used by the parser benchmarks: the real fixtures and generated vLLM V1 pages. */

export const FIXTURES_DIR = path.resolve(
  process.cwd(),
  '../shared/fixtures/metrics',
);
export const SYNTHETIC_PAGE = 'synthetic-vllm-v1-deepseek-v3-engine0.prom';

export function fixturePages(): string[] {
  return readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith('.prom'))
    .sort()
    .map((f) => readFileSync(path.join(FIXTURES_DIR, f), 'utf8'));
}

/**
 * `count` variants of the generated vLLM page: each with its own engine index and
 * values scaled by a per-page factor (same shape and size, different numbers), so
 * the parser cannot benefit from identical value strings.
 */
export function syntheticPages(count: number): string[] {
  const base = readFileSync(path.join(FIXTURES_DIR, SYNTHETIC_PAGE), 'utf8');
  const pages: string[] = [];
  for (let k = 0; k < count; k++) {
    const factor = 1 + k / 7;
    pages.push(
      base
        .replace(/engine="0"/g, `engine="${k % 8}"`)
        .replace(
          /^([^#\n][^\n]*) ([0-9.e+-]+)$/gm,
          (_m, series: string, v: string) => {
            const n = Number(v) * factor;
            return `${series} ${Number.isInteger(Number(v)) ? Math.round(n).toFixed(1) : String(n)}`;
          },
        ),
    );
  }
  return pages;
}

export function totalBytes(pages: readonly string[]): number {
  return pages.reduce((n, p) => n + Buffer.byteLength(p), 0);
}
