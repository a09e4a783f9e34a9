import { START, ROLES, engine } from '../../test/support/simulated-engine.js';
import { spawnSync } from 'node:child_process';
import { readFixture, SYNTHETIC_PAGE } from '../../test/support/fixtures.js';
import { SimulatedVllmEngine } from './vllm-engine.js';
import { pageSamples } from '../../test/support/page-lines.js';

function promtool(page: string): { status: number | null; findings: string[] } {
  const run = spawnSync('/usr/bin/promtool', ['check', 'metrics'], {
    input: page,
    encoding: 'utf8',
  });
  if (run.error) throw new Error(`promtool not runnable: ${run.error.message}`);
  const findings = `${run.stdout}\n${run.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return { status: run.status, findings };
}

describe('SimulatedVllmEngine page', () => {
  it.each(ROLES)(
    'passes promtool with only the lint vLLM itself causes (%s)',
    (role) => {
      const e = engine(role);
      const pages = [e.render()];
      e.tick(30);
      pages.push(e.render());
      e.tick(86_400);
      pages.push(e.render());
      for (const page of pages) {
        const { status, findings } = promtool(page);
        expect([0, 3]).toContain(status);
        for (const f of findings) {
          expect(f).toMatch(
            /metric names should not contain ':'$|^vllm:iteration_tokens_total non-counter metrics should not have "_total" suffix$/,
          );
        }
      }
    },
  );

  it('has exactly the families and series of the synthetic vLLM V1 page', () => {
    const fixture = readFixture(SYNTHETIC_PAGE);
    const e = engine('decode');
    e.tick(3600);
    const page = e.render();
    const comments = (text: string) =>
      text.split('\n').filter((l) => l.startsWith('#'));
    expect(comments(page)).toEqual(comments(fixture));
    expect(pageSamples(page).map((s) => s.series)).toEqual(
      pageSamples(fixture).map((s) => s.series),
    );
  });

  it.each(ROLES)('is 50–60 KB like a real page (%s)', (role) => {
    const e = engine(role);
    const sizes = [Buffer.byteLength(e.render())];
    e.tick(600);
    sizes.push(Buffer.byteLength(e.render()));
    e.tick(7 * 86_400);
    sizes.push(Buffer.byteLength(e.render()));
    for (const size of sizes) {
      expect(size).toBeGreaterThanOrEqual(50_000);
      expect(size).toBeLessThanOrEqual(60_000);
    }
  });

  it('carries the engine and model_name labels, escaped', () => {
    const e = new SimulatedVllmEngine({
      modelName: '/models/odd "name"/',
      engineIndex: 7,
      role: 'union',
      seed: 1,
      startTimeSeconds: START,
    });
    const running = pageSamples(e.render()).find(
      (s) => s.name === 'vllm:num_requests_running',
    );
    expect(running?.labels).toEqual({
      engine: '7',
      model_name: '/models/odd \\"name\\"/',
    });
  });
});
