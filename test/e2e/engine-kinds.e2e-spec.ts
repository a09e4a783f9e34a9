import request from 'supertest';
import { startFleet, type Fleet } from '../../src/simulator/index.js';
import { startHarness, type Harness } from '../support/app-harness.js';
import { one, samplesOf } from '../support/exposition.js';

/**
 * Every simulated engine kind behind the coordinator: vLLM V1 and V0, SGLang
 * (with `dp_rank`) and MindIE, two models, frozen engines with pinned gauges,
 * so each value in the dp view can be read off the engine by hand.
 */
describe('simulated engine kinds behind the coordinator', () => {
  let fleet: Fleet;
  let h: Harness;

  beforeAll(async () => {
    fleet = await startFleet({
      modelName: 'm/vllm',
      startTimeSeconds: 1_760_000_000,
      frozen: true,
      instances: [
        { id: 1, role: 'prefill', dpRanks: 1 },
        { id: 2, role: 'decode', dpRanks: 1, kind: 'vllm-v0' },
        {
          id: 3,
          role: 'decode',
          dpRanks: 2,
          kind: 'sglang',
          modelName: 'm/sglang',
          dpRankLabel: true,
        },
        {
          id: 4,
          role: 'decode',
          dpRanks: 1,
          kind: 'mindie',
          modelName: 'm/mindie',
        },
      ],
    });
    // running = 10 × instance id + rank, by hand.
    for (const e of fleet.endpoints) {
      e.engine.pinGauges({ running: 10 * e.instanceId + e.rank });
    }
    fleet.instance(2)[0]!.engine.pinGauges({ kvCacheUsage: -1 });
    fleet.instance(4)[0]!.engine.injectRequests({ count: 3 });
    h = await startHarness({ COORDINATOR_REUSE_TIME: '0.3' });
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

  it('scrapes every kind’s page', async () => {
    const s = samplesOf(
      (await request(h.obs).get('/metrics').expect(200)).text,
    );
    expect(one(s, 'motor:endpoints_configured')).toBe(5);
    expect(one(s, 'motor:endpoints_scraped')).toBe(5);
  });

  it('shows each endpoint’s own series in the dp view', async () => {
    const dp = samplesOf(
      (await request(h.obs).get('/metrics?type=dp').expect(200)).text,
    );
    const at = (id: number, rank = 0) => ({
      instance_id: String(id),
      dp_rank: String(rank),
    });
    expect(one(dp, 'vllm:num_requests_running', at(1))).toBe(10);
    expect(one(dp, 'vllm:num_requests_running', at(2))).toBe(20);
    expect(one(dp, 'vllm:gpu_cache_usage_perc', at(2))).toBe(-1);
    expect(one(dp, 'sglang:num_running_reqs', at(3, 1))).toBe(31);
    // The engine's own dp_rank is kept, renamed where the view injects one.
    expect(
      dp.get('sglang:num_running_reqs')!.map((x) => x.labels.exported_dp_rank),
    ).toEqual(['0', '1']);
    expect(one(dp, 'num_requests_running', at(4))).toBe(40);
    expect(one(dp, 'request_success_total', at(4))).toBe(3);
  });
});
