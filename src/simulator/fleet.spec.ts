import { podAddress } from './fleet-placement.js';
import { startFleet, type Fleet } from './fleet.js';

const START = 1_767_000_000;

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.text();
}

function sample(page: string, name: string): number {
  const line = page.split('\n').find((l) => l.startsWith(`${name}{`));
  if (!line) throw new Error(`no ${name}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('startFleet', () => {
  let fleet: Fleet | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await fleet?.close();
    fleet = undefined;
  });

  it('builds the SPEC refresh body: instances keyed by IP, then rank', async () => {
    fleet = await startFleet({
      modelName: 'Qwen/Qwen3-8B',
      startTimeSeconds: START,
      instances: [
        { id: 3, role: 'prefill', dpRanks: 2 },
        { id: 5, role: 'decode', dpRanks: 4, ranksPerHost: 2 },
        { id: 9, role: 'union', dpRanks: 1, host: '127.0.0.1', jobName: 'u' },
      ],
    });
    const body = fleet.refreshBody();
    expect(body.event).toBe('set');
    expect(body.instances.map((i) => [i.id, i.role, i.job_name])).toEqual([
      [3, 'prefill', 'prefill-3'],
      [5, 'decode', 'decode-5'],
      [9, 'union', 'u'],
    ]);
    expect(body.instances.every((i) => i.model_name === 'Qwen/Qwen3-8B')).toBe(
      true,
    );
    // Instance 3 sits on one pod, instance 5 on two pods of two ranks each.
    const [p, d, u] = body.instances;
    expect(Object.keys(p!.endpoints)).toEqual([podAddress(0)]);
    expect(Object.keys(p!.endpoints[podAddress(0)]!)).toEqual(['0', '1']);
    expect(Object.keys(d!.endpoints)).toEqual([podAddress(1), podAddress(2)]);
    expect(Object.keys(d!.endpoints[podAddress(1)]!)).toEqual(['0', '1']);
    expect(Object.keys(d!.endpoints[podAddress(2)]!)).toEqual(['2', '3']);
    expect(Object.keys(u!.endpoints)).toEqual(['127.0.0.1']);

    const seen = new Set<string>();
    for (const instance of body.instances) {
      for (const [ip, ranks] of Object.entries(instance.endpoints)) {
        expect(ip).toMatch(/^127\.0\.0\.\d+$/);
        for (const [rank, ep] of Object.entries(ranks)) {
          expect(ep.id).toBe(Number(rank));
          expect(ep.ip).toBe(ip);
          expect(ep.mgmt_port).toMatch(/^[1-9]\d*$/);
          expect(ep.business_port).toBe(ep.mgmt_port);
          const key = `${ip}:${ep.mgmt_port}`;
          expect(seen.has(key)).toBe(false);
          seen.add(key);
        }
      }
    }
    expect(seen.size).toBe(7);
    expect(fleet.endpoints).toHaveLength(7);
    expect(fleet.engines.map((e) => e.length)).toEqual([2, 4, 1]);
  });

  it('answers on every endpoint of the body with that rank’s engine page', async () => {
    fleet = await startFleet({
      startTimeSeconds: START,
      instances: [
        { id: 0, role: 'prefill', dpRanks: 2 },
        { id: 1, role: 'decode', dpRanks: 3 },
      ],
    });
    for (const instance of fleet.refreshBody().instances) {
      for (const [ip, ranks] of Object.entries(instance.endpoints)) {
        for (const [rank, ep] of Object.entries(ranks)) {
          const page = await scrape(`http://${ip}:${ep.mgmt_port}/metrics`);
          expect(page).toContain(
            `vllm:num_requests_running{engine="${rank}",model_name="deepseek-ai/DeepSeek-V3"}`,
          );
          const own = fleet.engines
            .flat()
            .find(
              (e) => e.instanceId === instance.id && e.rank === Number(rank),
            );
          expect(page).toBe(own?.engine.render());
        }
      }
    }
  });

  it('ticks every engine, visible over HTTP', async () => {
    fleet = await startFleet({
      startTimeSeconds: START,
      instances: [{ id: 0, role: 'union', dpRanks: 2 }],
    });
    const urls = fleet.endpoints.map((e) => e.server.url);
    const before = await Promise.all(urls.map(scrape));
    for (const page of before)
      expect(sample(page, 'vllm:prompt_tokens_total')).toBe(0);
    fleet.tick(120);
    const after = await Promise.all(urls.map(scrape));
    for (const page of after) {
      expect(sample(page, 'vllm:prompt_tokens_total')).toBeGreaterThan(0);
    }
    // Ranks are seeded apart.
    const [a, b] = fleet.endpoints.map((e) => e.engine.snapshot());
    expect(a?.promptTokensTotal).not.toBe(b?.promptTokensTotal);
  });

  it('ticks on its own with tickIntervalMs', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    fleet = await startFleet({
      startTimeSeconds: START,
      tickIntervalMs: 500,
      instances: [{ id: 0, role: 'decode', dpRanks: 1 }],
    });
    const engine = fleet.endpoints[0]!.engine;
    const clock = engine.clockSeconds;
    vi.advanceTimersByTime(2000);
    expect(engine.clockSeconds).toBeCloseTo(clock + 2, 9);
    expect(engine.snapshot().generationTokensTotal).toBeGreaterThan(0);
  });

  it('selects instances and events for the body', async () => {
    fleet = await startFleet({
      startTimeSeconds: START,
      instances: [
        { id: 0, role: 'prefill', dpRanks: 1 },
        { id: 1, role: 'decode', dpRanks: 1 },
      ],
    });
    const del = fleet.refreshBody('del', [1]);
    expect(del.event).toBe('del');
    expect(del.instances.map((i) => i.id)).toEqual([1]);
  });

  it('serves several models and engine kinds, per instance', async () => {
    fleet = await startFleet({
      startTimeSeconds: START,
      modelName: 'a/one',
      instances: [
        { id: 0, role: 'prefill', dpRanks: 1 },
        { id: 1, role: 'decode', dpRanks: 1 },
        {
          id: 2,
          role: 'decode',
          dpRanks: 2,
          modelName: 'b/two',
          kind: 'sglang',
          dpRankLabel: true,
        },
        { id: 3, role: 'decode', dpRanks: 1, modelName: 'c', kind: 'mindie' },
      ],
    });
    expect(fleet.modelNames).toEqual(['a/one', 'b/two', 'c']);
    expect(fleet.refreshBody().instances.map((i) => i.model_name)).toEqual([
      'a/one',
      'a/one',
      'b/two',
      'c',
    ]);
    fleet.tick(30);
    const sglang = await scrape(fleet.instance(2)[1]!.server.url);
    expect(sglang).toContain(
      'sglang:num_running_reqs{dp_rank="1",model_name="b/two"} ',
    );
    const mindie = await scrape(fleet.instance(3)[0]!.server.url);
    expect(mindie).toContain('num_requests_running{model_name="c"} ');
    expect(fleet.instance(2).map((e) => e.kind)).toEqual(['sglang', 'sglang']);
    // Model b has no prefill: its decode side still serves its load.
    expect(
      fleet.load().find((l) => l.modelName === 'b/two')!.requestsPerSecond,
    ).toBeGreaterThan(0);
  });

  it('freezes every engine on request', async () => {
    fleet = await startFleet({
      startTimeSeconds: START,
      frozen: true,
      warmupSeconds: 600,
      instances: [{ id: 0, role: 'decode', dpRanks: 2 }],
    });
    fleet.tick(600);
    for (const e of fleet.endpoints) {
      expect(e.engine.totals().generationTokens).toBe(0);
    }
    fleet.endpoints[0]!.engine.injectRequests({
      count: 2,
      generationTokens: 10,
    });
    expect(
      sample(
        await scrape(fleet.endpoints[0]!.server.url),
        'vllm:generation_tokens_total',
      ),
    ).toBe(20);
  });
});
