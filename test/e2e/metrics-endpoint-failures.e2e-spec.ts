import request from 'supertest';
import { startHarness, type Harness } from '../support/app-harness.js';
import { one, samplesOf } from '../support/exposition.js';
import { liveEngineCluster } from '../support/live-engines.js';

/**
 * GET /metrics while endpoints fail and the fleet changes: dead, garbage and
 * hanging engines, stale endpoints, removed and paused instances, an engine
 * restart. Engines on 127.0.0.x serve pages whose values the test controls
 * (test/support/live-engines.ts); expectations are computed here.
 */

// Both pipeline paths: on the event loop, and in the worker thread production uses (from dist/).
describe.each([
  { mode: 'inline', worker: 'false' },
  { mode: 'worker thread', worker: 'true' },
])(
  'GET /metrics over live engines, pipeline $mode (SPEC §3, §4)',
  ({ worker }) => {
    const cluster = liveEngineCluster(worker);
    const { engines, layout, refreshBody, scrape, cycle, refresh } = cluster;
    let h: Harness;
    beforeAll(() => {
      h = cluster.harness();
    });

    it('a failed endpoint drops out once stale, and comes back when it answers again', async () => {
      // A scrape timeout with room for a busy machine (coverage, other
      // processes): an answering engine must never time out here.
      const stale = await startHarness({
        COORDINATOR_REUSE_TIME: '0.5',
        COORDINATOR_SCRAPE_TIMEOUT: '0.4',
        COORDINATOR_STALE_AFTER: '1.2',
        COORDINATOR_DIGEST_IN_WORKER: worker,
      });
      try {
        await request(stale.mgmt)
          .post('/instances/refresh')
          .send(refreshBody('set'))
          .expect(200);
        await stale.apps.handles.scheduler.nextCycle();
        const full = async () =>
          samplesOf(
            (await request(stale.obs).get('/metrics').expect(200)).text,
          );
        expect(one(await full(), 'vllm:num_requests_running')).toBe(25);
        engines[2]!.state.mode = 'dead';
        // bounded: stale after 1.2 s at 0.5 s per cycle
        let dropped = false;
        for (let i = 0; i < 30 && !dropped; i++) {
          await stale.apps.handles.scheduler.nextCycle();
          dropped =
            stale.apps.handles.metrics.endpointStatus('2|127.0.0.3|0')
              ?.stale === true;
        }
        expect(dropped).toBe(true);
        const samples = await full();
        expect(one(samples, 'vllm:num_requests_running')).toBe(15);
        expect(one(samples, 'motor:endpoints_scraped')).toBe(4);
        engines[2]!.state.mode = 'ok';
        await stale.apps.handles.scheduler.nextCycle();
        expect(one(await full(), 'vllm:num_requests_running')).toBe(25);
      } finally {
        await stale.close();
      }
    });

    it('a dead and a garbage endpoint leave the others exact and show in freshness', async () => {
      engines[2]!.state.mode = 'dead';
      engines[4]!.state.mode = 'garbage';
      await cycle();
      const { samples } = await scrape();
      expect(one(samples, 'motor:endpoints_configured')).toBe(5);
      expect(one(samples, 'motor:endpoints_scraped')).toBe(3);
      const dp = await scrape('?type=dp');
      expect(one(dp.samples, 'motor:endpoint_up', { instance_id: '2' })).toBe(
        0,
      );
      expect(
        one(dp.samples, 'motor:endpoint_up', {
          instance_id: '3',
          dp_rank: '1',
        }),
      ).toBe(0);
      for (const i of [0, 1, 3]) {
        const l = layout[i]!;
        expect(
          one(dp.samples, 'vllm:num_requests_running', {
            instance_id: String(l.id),
            dp_rank: String(l.rank),
            pod_ip: l.ip,
          }),
        ).toBe(engines[i]!.state.running);
      }
      // Not stale yet (stale_after 600 s): the dead engine still contributes its last good sample,
      // never a zero that would trigger a scale-down.
      expect(one(samples, 'vllm:num_requests_running')).toBe(25);
      const list = (await request(h.mgmt).get('/instances').expect(200)).body
        .instances as {
        id: number;
        endpoints: Record<
          string,
          Record<
            string,
            {
              scrape: {
                up: boolean;
                last_error: string | null;
                stale: boolean;
              };
            }
          >
        >;
      }[];
      const dead = list.find((i) => i.id === 2)!.endpoints['127.0.0.3']!['0']!
        .scrape;
      expect(dead.up).toBe(false);
      expect(dead.stale).toBe(false);
      expect(dead.last_error).toBeTruthy();
      const alive = list.find((i) => i.id === 1)!.endpoints['127.0.0.2']!['0']!
        .scrape;
      expect(alive).toMatchObject({ up: true, last_error: null, stale: false });
    });

    it('a hanging endpoint times out without holding up the others', async () => {
      engines[3]!.state.mode = 'hang';
      await cycle();
      await cycle();
      const dp = await scrape('?type=dp');
      expect(
        one(dp.samples, 'motor:endpoint_up', {
          instance_id: '3',
          dp_rank: '0',
        }),
      ).toBe(0);
      expect(one((await scrape()).samples, 'motor:endpoints_scraped')).toBe(4);
      for (const i of [0, 1, 2, 4]) {
        const l = layout[i]!;
        expect(
          one(dp.samples, 'motor:endpoint_up', {
            instance_id: String(l.id),
            dp_rank: String(l.rank),
            pod_ip: l.ip,
          }),
        ).toBe(1);
      }
      const status = h.apps.handles.metrics.endpointStatus('3|127.0.0.4|0');
      expect(status?.lastError).toBe('timeout');
      await request(h.mgmt).get('/readiness').expect(200);
    });

    it('removing an instance removes its series; cluster counters stay monotonic', async () => {
      const before = await scrape();
      const promptBefore = one(before.samples, 'vllm:prompt_tokens_total');
      await refresh(refreshBody('set', [1, 2]));
      const inst = await scrape('?type=instance');
      expect(
        inst.samples
          .get('vllm:num_requests_running')!
          .map((s) => s.labels.instance_id)
          .sort((a, b) => Number(a) - Number(b)),
      ).toEqual(['1', '2']);
      const dp = await scrape('?type=dp');
      expect(dp.text).not.toContain('instance_id="3"');
      const after = await scrape();
      expect(one(after.samples, 'vllm:num_requests_running')).toBe(17);
      expect(one(after.samples, 'motor:endpoints_configured')).toBe(3);
      expect(
        one(after.samples, 'vllm:prompt_tokens_total'),
      ).toBeGreaterThanOrEqual(promptBefore);
    });

    it('an engine restart (counter reset) does not make the cluster counter go down', async () => {
      const before = one((await scrape()).samples, 'vllm:prompt_tokens_total');
      const e = engines[1]!.state; // 3000 prompt tokens so far
      e.prompt = 40; // restarted: counter starts again
      await cycle();
      const after = one((await scrape()).samples, 'vllm:prompt_tokens_total');
      expect(after).toBe(before + 40);
      e.prompt = 100;
      await cycle();
      expect(one((await scrape()).samples, 'vllm:prompt_tokens_total')).toBe(
        before + 100,
      );
      // the dp view shows the engine as it is
      const dp = await scrape('?type=dp');
      expect(
        one(dp.samples, 'vllm:prompt_tokens_total', {
          instance_id: '1',
          dp_rank: '1',
        }),
      ).toBe(100);
    });

    it('paused instances are still scraped but are not active workers', async () => {
      await request(h.mgmt)
        .post('/instances/refresh')
        .send({ event: 'pause', instances: [{ id: 2 }] })
        .expect(200);
      await cycle();
      const { samples } = await scrape();
      expect(one(samples, 'motor:active_decode_workers')).toBe(1);
      expect(one(samples, 'motor:endpoints_scraped')).toBe(5);
    });
  },
);
