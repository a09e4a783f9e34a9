import request from 'supertest';
import { startFleet, type Fleet } from '../../src/simulator/index.js';
import { startHarness, type Harness } from '../support/app-harness.js';
import { histogramQuantile, one, samplesOf } from '../support/exposition.js';

/**
 * A multi-instance, multi-DP fleet of simulated vLLM engines (~56 KB pages,
 * the real metric set) behind the coordinator; expectations come from the
 * engines' own snapshots, not from the coordinator's code.
 */
describe('simulated vLLM fleet: 2 prefill × 2 DP, 2 decode × 3 DP over 2 pods', () => {
  let fleet: Fleet;
  let h: Harness;
  const MODEL = 'deepseek-ai/DeepSeek-V3';

  const scrape = async (query = '') =>
    samplesOf((await request(h.obs).get(`/metrics${query}`).expect(200)).text);
  const all = () => fleet.engines.flat();
  const snapshots = (role?: string) =>
    all()
      .filter((e) => role === undefined || e.role === role)
      .map((e) => e.engine.snapshot());

  beforeAll(async () => {
    fleet = await startFleet({
      modelName: MODEL,
      seed: 42,
      startTimeSeconds: 1_760_000_000,
      warmupSeconds: 120,
      instances: [
        { id: 10, role: 'prefill', dpRanks: 2 },
        { id: 11, role: 'prefill', dpRanks: 2 },
        { id: 20, role: 'decode', dpRanks: 3, ranksPerHost: 2 },
        { id: 21, role: 'decode', dpRanks: 3, ranksPerHost: 2 },
      ],
    });
    // The engines render their pages on the coordinator's own event loop
    // (in-process): under coverage instrumentation on a busy machine that
    // takes far longer than a real engine, so the scrape timeout leaves room.
    h = await startHarness({
      COORDINATOR_REUSE_TIME: '1.5',
      COORDINATOR_SCRAPE_TIMEOUT: '1.2',
      COORDINATOR_STALE_AFTER: '600',
    });
    await request(h.mgmt)
      .post('/instances/refresh')
      .send(fleet.refreshBody('set'))
      .expect(200);
    await h.apps.handles.scheduler.nextCycle();
  });
  afterAll(async () => {
    await h?.close();
    await fleet?.close();
  });

  it('registers 10 endpoints on 6 pods and scrapes them all', async () => {
    const s = await scrape();
    expect(all()).toHaveLength(10);
    expect(one(s, 'motor:endpoints_configured')).toBe(10);
    expect(one(s, 'motor:endpoints_scraped')).toBe(10);
    expect(one(s, 'motor:active_prefill_workers')).toBe(2);
    expect(one(s, 'motor:active_decode_workers')).toBe(2);
    const node = await scrape('?type=node');
    expect(
      node
        .get('motor:endpoints_configured')!
        .map((x) => x.labels.pod_ip ?? '')
        .sort((a, b) => a.localeCompare(b)),
    ).toEqual(
      [...new Set(all().map((e) => e.ip))].sort((a, b) => a.localeCompare(b)),
    );
  });

  it('full view equals the sums, means and maxima of the engines, each family from its role scope', async () => {
    const s = await scrape();
    const snaps = snapshots();
    const sum = (
      f: (x: (typeof snaps)[number]) => number,
      from: typeof snaps = snaps,
    ) => from.reduce((a, x) => a + f(x), 0);
    const m = { model_name: MODEL };
    expect(one(s, 'vllm:num_requests_running', m)).toBe(
      sum((x) => x.numRequestsRunning),
    );
    expect(one(s, 'vllm:num_requests_waiting', m)).toBe(
      sum((x) => x.numRequestsWaiting),
    );
    // S2: prompt tokens from prefill instances, generated tokens from decode instances
    expect(one(s, 'vllm:prompt_tokens_total', m)).toBeCloseTo(
      sum((x) => x.promptTokensTotal, snapshots('prefill')),
      6,
    );
    expect(one(s, 'vllm:generation_tokens_total', m)).toBeCloseTo(
      sum((x) => x.generationTokensTotal, snapshots('decode')),
      6,
    );
    expect(one(s, 'vllm:kv_cache_usage_perc', m)).toBeCloseTo(
      sum((x) => x.kvCacheUsagePerc) / snaps.length,
      9,
    );
    expect(one(s, 'vllm:kv_cache_usage_perc_max', m)).toBe(
      Math.max(...snaps.map((x) => x.kvCacheUsagePerc)),
    );
    expect(one(s, 'vllm:num_requests_running_max', m)).toBe(
      Math.max(...snaps.map((x) => x.numRequestsRunning)),
    );
  });

  it('TTFT quantiles and the hit rate describe the window: the increase since the first reading', async () => {
    // The coordinator is younger than its 60 s window: the base is its first reading
    // of the engines, taken in beforeAll, before any tick.
    const before = all().map((e) => e.engine.snapshot());
    const quiet = await scrape();
    expect(quiet.get('vllm:time_to_first_token_seconds_p50') ?? []).toEqual([]);
    fleet.tick(4);
    await h.apps.handles.scheduler.nextCycle();
    await h.apps.handles.scheduler.nextCycle();
    const s = await scrape();
    const after = all().map((e) => e.engine.snapshot());
    const decode = all()
      .map((e, k) => ({ role: e.role, k }))
      .filter((x) => x.role === 'decode')
      .map((x) => x.k);
    const les = after[decode[0]!]!.ttftBuckets.map((b) => b.le);
    const delta = les.map((_, i) =>
      decode.reduce(
        (a, k) =>
          a +
          after[k]!.ttftBuckets[i]!.count -
          before[k]!.ttftBuckets[i]!.count,
        0,
      ),
    );
    const finite = les.slice(0, -1);
    for (const q of [0.5, 0.95, 0.99]) {
      const name = `vllm:time_to_first_token_seconds_p${Math.round(q * 100)}`;
      expect(
        one(s, name, { quantile: String(q), model_name: MODEL }),
      ).toBeCloseTo(histogramQuantile(q, finite, delta), 9);
    }
    const dCount = decode.reduce(
      (a, k) => a + after[k]!.ttftCount - before[k]!.ttftCount,
      0,
    );
    const dSum = decode.reduce(
      (a, k) => a + after[k]!.ttftSum - before[k]!.ttftSum,
      0,
    );
    expect(
      one(s, 'vllm:time_to_first_token_seconds_mean', { model_name: MODEL }),
    ).toBeCloseTo(dSum / dCount, 9);
    // prefix-cache counters are prefill-scoped
    const prefill = all()
      .map((e, k) => ({ role: e.role, k }))
      .filter((x) => x.role === 'prefill')
      .map((x) => x.k);
    const dHits = prefill.reduce(
      (a, k) =>
        a + after[k]!.prefixCacheHitsTotal - before[k]!.prefixCacheHitsTotal,
      0,
    );
    const dQueries = prefill.reduce(
      (a, k) =>
        a +
        after[k]!.prefixCacheQueriesTotal -
        before[k]!.prefixCacheQueriesTotal,
      0,
    );
    expect(dQueries).toBeGreaterThan(0);
    expect(
      one(s, 'vllm:prefix_cache_hit_rate', { model_name: MODEL }),
    ).toBeCloseTo(dHits / dQueries, 9);
  });

  it('instance and role views sum their own engines; dp shows each rank', async () => {
    const inst = await scrape('?type=instance');
    const role = await scrape('?type=role');
    const dp = await scrape('?type=dp');
    for (const [i, ranks] of fleet.engines.entries()) {
      const id = String(ranks[0]!.instanceId);
      const expected = ranks.reduce(
        (a, e) => a + e.engine.snapshot().numRequestsRunning,
        0,
      );
      expect(
        one(inst, 'vllm:num_requests_running', { instance_id: id }),
        `instance ${i}`,
      ).toBe(expected);
      for (const e of ranks) {
        expect(
          one(dp, 'vllm:num_requests_running', {
            instance_id: id,
            dp_rank: String(e.rank),
            pod_ip: e.ip,
          }),
        ).toBe(e.engine.snapshot().numRequestsRunning);
      }
    }
    for (const r of ['prefill', 'decode']) {
      expect(
        one(role, 'vllm:generation_tokens_total', { role: r }),
      ).toBeCloseTo(
        snapshots(r).reduce((a, x) => a + x.generationTokensTotal, 0),
        6,
      );
    }
  });

  it('ticking and a restart keep the cluster counters monotonic', async () => {
    const before = one(await scrape(), 'vllm:generation_tokens_total');
    fleet.tick(5);
    await h.apps.handles.scheduler.nextCycle();
    const ticked = one(await scrape(), 'vllm:generation_tokens_total');
    expect(ticked).toBeGreaterThan(before);
    expect(ticked).toBeCloseTo(
      snapshots('decode').reduce((a, x) => a + x.generationTokensTotal, 0),
      6,
    );
    const restarted = fleet.engines[2]![1]!.engine;
    const lost = restarted.snapshot().generationTokensTotal;
    restarted.restart();
    restarted.tick(1);
    await h.apps.handles.scheduler.nextCycle();
    const after = one(await scrape(), 'vllm:generation_tokens_total');
    expect(after).toBeGreaterThanOrEqual(ticked);
    expect(after).toBeCloseTo(
      snapshots('decode').reduce((a, x) => a + x.generationTokensTotal, 0) +
        lost,
      6,
    );
  });
});
