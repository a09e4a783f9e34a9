import semver from 'semver';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_MGMT_PORT,
  DEFAULT_OBS_PORT,
} from '../../src/config/config.defaults.js';
import { baseImages, dockerfile } from '../support/dockerfile.js';
import type { Obj } from '../support/k8s-manifests.js';
import { PKG, ROOT } from '../support/repo-root.js';

/**
 * The Dockerfile read as instructions: a multi-stage build on one pinned,
 * supported Node LTS, a non-root runtime that ships production dependencies
 * only, the memory settings of the benchmarks, and a .dockerignore that
 * excludes nothing the build copies.
 */

describe('Dockerfile', () => {
  const steps = dockerfile();
  const stages: { op: string; args: string }[][] = [];
  for (const s of steps) {
    if (s.op === 'FROM') stages.push([]);
    stages.at(-1)?.push(s);
  }
  const build = stages[0]!;
  const runtime = stages.at(-1)!;

  it('builds with npm ci + npm run build and ships production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(
      build.some(
        (s) =>
          s.op === 'RUN' &&
          /\bnpm ci\b/.test(s.args) &&
          !s.args.includes('--omit=dev'),
      ),
    ).toBe(true);
    expect(
      build.some((s) => s.op === 'RUN' && s.args.includes('npm run build')),
    ).toBe(true);
    expect(
      runtime.some((s) => s.op === 'RUN' && /npm ci .*--omit=dev/.test(s.args)),
    ).toBe(true);
    expect(
      runtime.some(
        (s) =>
          s.op === 'COPY' &&
          s.args.includes('--from=build') &&
          s.args.includes('dist'),
      ),
    ).toBe(true);
    expect(
      runtime.some((s) => s.op === 'RUN' && s.args.includes('npm run build')),
    ).toBe(false);
  });

  it('runs node dist/main.js as a non-root user, exposes both ports, declares no HEALTHCHECK', () => {
    const user = runtime.filter((s) => s.op === 'USER').at(-1)?.args ?? 'root';
    expect(user.split(':')[0]).not.toMatch(/^(root|0)$/);
    expect(steps.some((s) => s.op === 'HEALTHCHECK')).toBe(false);
    const exposed = runtime
      .filter((s) => s.op === 'EXPOSE')
      .flatMap((s) => s.args.split(/\s+/))
      .map(Number);
    expect(exposed).toEqual(
      expect.arrayContaining([DEFAULT_MGMT_PORT, DEFAULT_OBS_PORT]),
    );
    const cmd = JSON.parse(
      runtime.filter((s) => s.op === 'CMD').at(-1)!.args,
    ) as string[];
    expect(cmd).toEqual(['node', 'dist/main.js']);
    // The same entry point as the package's production start script, built from src/main.ts.
    const pkg = JSON.parse(
      readFileSync(join(ROOT, 'package.json'), 'utf8'),
    ) as Obj;
    expect(pkg.scripts['start:prod']).toBe(cmd.join(' '));
    const buildConfig = JSON.parse(
      readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8'),
    ) as Obj;
    expect(buildConfig.compilerOptions.rootDir).toBe('./src');
    expect(statSync(join(ROOT, 'src', 'main.ts')).isFile()).toBe(true);
  });

  it('builds on a supported Node.js LTS, pinned to one exact release in every stage', () => {
    const images = baseImages();
    expect(images.length).toBe(stages.length);
    expect(new Set(images).size).toBe(1);
    const m =
      /^node:(\d+)\.(\d+)\.(\d+)-[a-z]+(?:-slim)?(?:@sha256:[0-9a-f]{64})?$/.exec(
        images[0]!,
      );
    expect(m, images[0]).not.toBeNull();
    const [major, minor, patch] = [m![1], m![2], m![3]].map(Number) as [
      number,
      number,
      number,
    ];
    // End of life of the LTS lines (nodejs.org release schedule).
    const LTS_END: Record<number, string> = {
      22: '2027-04-30',
      24: '2028-04-30',
    };
    expect(LTS_END[major], `Node ${major} is a supported LTS`).toBeDefined();
    // Date-bound on purpose: fails once the shipped line is past its end of life.
    expect(Date.parse(LTS_END[major]!)).toBeGreaterThan(Date.now());
    // package.json `engines` admits both the image's Node and the Node the
    // tests run on.
    const engines = (PKG.engines as Obj | undefined)?.node as
      string | undefined;
    expect(engines, 'package.json engines.node').toBeDefined();
    expect(
      semver.satisfies(`${major}.${minor}.${patch}`, engines!),
      `the image's Node ${major}.${minor}.${patch} satisfies engines.node ${engines}`,
    ).toBe(true);
    expect(
      semver.satisfies(process.versions.node, engines!),
      `the tests' Node ${process.versions.node} satisfies engines.node ${engines}`,
    ).toBe(true);
    // The README names both: the image's Node and the tests' Node.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`node:${major}.${minor}.${patch}`);
    expect(readme).toContain(`Node.js ${process.versions.node}`);
  });

  it('sets the memory settings the benchmarks run the coordinator with', () => {
    const env = runtime
      .filter((s) => s.op === 'ENV')
      .flatMap((s) => s.args.split(/\s+/));
    expect(env).toContain('MALLOC_ARENA_MAX=2');
    expect(env).toContain('NODE_OPTIONS=--max-semi-space-size=8');
    const bench = readFileSync(join(ROOT, 'bench', 'run.ts'), 'utf8');
    expect(bench).toContain("MALLOC_ARENA_MAX: '2'");
    expect(bench).toContain("NODE_OPTIONS: '--max-semi-space-size=8'");
  });

  it('copies only what the build needs, none of it excluded by .dockerignore', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const must of ['node_modules', 'dist', '.git', 'test'])
      expect(ignored).toContain(must);
    const sources = steps
      .filter((s) => s.op === 'COPY' && !s.args.includes('--from='))
      .flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    expect(sources).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'src']),
    );
    const glob = (pattern: string) =>
      new RegExp(
        `^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`,
      );
    for (const src of sources) {
      expect(statSync(join(ROOT, src)), src).toBeTruthy();
      for (const pattern of ignored)
        expect(glob(pattern).test(src), `${src} vs ${pattern}`).toBe(false);
    }
  });
});
