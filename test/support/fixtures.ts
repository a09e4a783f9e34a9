import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The one way specs and benchmarks reach the payloads in `test/fixtures/metrics`
 * (provenance in `test/fixtures/README.md`). Paths are found from this module's
 * own location, never from the working directory, so the suite runs from any
 * directory and reads nothing outside the checkout.
 */

/**
 * The checkout's root: the nearest folder above this module with a
 * package.json. This module runs from `test/support/` (vitest) and from
 * `dist-bench/test/support/` (the compiled benchmarks); both lead there.
 */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(
        `no package.json above ${fileURLToPath(import.meta.url)}`,
      );
    }
    dir = parent;
  }
}

export const FIXTURES_DIR = join(repoRoot(), 'test', 'fixtures', 'metrics');

/** The generated vLLM V1 page (58.7 KB): the realistic page for load. */
export const SYNTHETIC_PAGE = 'synthetic-vllm-v1-deepseek-v3-engine0.prom';

/** Absolute path of one fixture file, given by its bare file name. */
export function fixturePath(name: string): string {
  if (name !== basename(name) || name === '..' || name === '.') {
    throw new Error(`fixture name must be a bare file name: ${name}`);
  }
  return join(FIXTURES_DIR, name);
}

/** One fixture's text (UTF-8). */
export function readFixture(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/** One fixture's bytes, exactly as stored. */
export function readFixtureBytes(name: string): Buffer {
  return readFileSync(fixturePath(name));
}

/** The names of every `.prom` payload, sorted. */
export function fixtureNames(): string[] {
  return readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith('.prom'))
    .sort();
}
