import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The data path's one-way rule (README, "Design"), checked over the real
 * import graph of src/ (type-only imports included, specs excluded): a folder
 * imports only from itself and from folders listed before it here.
 */
const LAYERS: readonly string[] = [
  'lifecycle',
  'leadership',
  'instances',
  'scrape',
  'parse',
  'aggregate',
  'render',
  'config',
  'pipeline',
  'core',
  'http',
  'observability',
  'management',
  'bootstrap',
];
/** Tooling around the product: may import it, never imported by it. */
const TOOLING: readonly string[] = ['simulator', 'rules', 'demo.ts'];
/** Plain TypeScript stages: no framework, no thread, no package at all. */
const PURE: readonly string[] = ['parse', 'aggregate', 'render'];

const SRC = dirname(fileURLToPath(import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The first path segment under src/ (a folder, or a root file's name). */
function unitOf(path: string): string {
  return relative(SRC, path).split(sep)[0]!;
}

interface Edge {
  readonly from: string;
  readonly spec: string;
  readonly to: string | undefined;
}

function edges(): Edge[] {
  return sources(SRC).flatMap((file) =>
    ts
      .preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.map(({ fileName: spec }) => ({
        from: file,
        spec,
        to: spec.startsWith('.')
          ? unitOf(resolve(dirname(file), spec))
          : undefined,
      })),
  );
}

const show = (e: Edge): string => `${relative(SRC, e.from)} → ${e.spec}`;

describe('the import graph of src/', () => {
  const all = edges();

  it('sees every folder of src/ in a layer or as tooling', () => {
    const units = new Set(sources(SRC).map(unitOf));
    const placed = new Set([...LAYERS, ...TOOLING, 'main.ts']);
    expect([...units].filter((u) => !placed.has(u))).toEqual([]);
    // The rule below holds only if it reads real edges.
    expect(all.filter((e) => e.to === 'aggregate').length).toBeGreaterThan(10);
  });

  it('points up the data path only: no folder imports one listed after it', () => {
    const rank = (u: string): number =>
      u === 'main.ts' ? LAYERS.length : LAYERS.indexOf(u);
    const upward = all.filter((e) => {
      const from = unitOf(e.from);
      if (e.to === undefined || TOOLING.includes(from)) return false;
      return rank(e.to) > rank(from);
    });
    expect(upward.map(show)).toEqual([]);
  });

  it('keeps tooling out of the product', () => {
    const product = all.filter(
      (e) => !TOOLING.includes(unitOf(e.from)) && unitOf(e.from) !== 'main.ts',
    );
    expect(
      product.filter((e) => e.to && TOOLING.includes(e.to)).map(show),
    ).toEqual([]);
  });

  it('keeps parse, aggregate and render plain: no package, no Node API', () => {
    const impure = all.filter(
      (e) => PURE.includes(unitOf(e.from)) && e.to === undefined,
    );
    expect(impure.map(show)).toEqual([]);
  });

  it('keeps Nest out of the scrape stage', () => {
    const nest = all.filter(
      (e) => unitOf(e.from) === 'scrape' && e.spec.startsWith('@nestjs/'),
    );
    expect(nest.map(show)).toEqual([]);
  });
});
