import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { startHarness, type Harness } from '../support/app-harness.js';
import { one, samplesOf } from '../support/exposition.js';

/**
 * The metrics pipeline end to end: engines on 127.0.0.x serve pages whose
 * values the test controls; expectations are computed here, independently of
 * the aggregator (pages re-parsed with the npm parser, sums and quantiles by hand).
 */

const TTFT_LE = [0.01, 0.05, 0.1, 0.5, 1, 5];

interface EngineState {
  running: number;
  waiting: number;
  kv: number;
  prompt: number;
  /** Non-cumulative TTFT observations per bucket (last = +Inf). */
  ttft: number[];
  ttftSum: number;
  mode: 'ok' | 'dead' | 'garbage' | 'hang';
}

function page(s: EngineState, engine: number): string {
  const l = `engine="${engine}",model_name="deepseek-ai/DeepSeek-V3"`;
  let cum = 0;
  const buckets = [...TTFT_LE.map(String), '+Inf']
    .map((le, i) => {
      cum += s.ttft[i] ?? 0;
      return `vllm:time_to_first_token_seconds_bucket{${l},le="${le === '+Inf' ? '+Inf' : Number(le).toFixed(Number(le) < 1 ? 2 : 1)}"} ${cum}.0`;
    })
    .join('\n');
  return `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{${l}} ${s.running}.0
# HELP vllm:num_requests_waiting Number of requests waiting to be processed.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{${l}} ${s.waiting}.0
# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{${l}} ${s.kv}
# HELP vllm:prompt_tokens_total Number of prefill tokens processed.
# TYPE vllm:prompt_tokens_total counter
vllm:prompt_tokens_total{${l}} ${s.prompt}.0
# HELP vllm:prompt_tokens_created Number of prefill tokens processed.
# TYPE vllm:prompt_tokens_created gauge
vllm:prompt_tokens_created{${l}} 1.7500000000e+09
# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_sum{${l}} ${s.ttftSum}
${buckets}
vllm:time_to_first_token_seconds_count{${l}} ${cum}.0
`;
}

interface Engine {
  state: EngineState;
  server: Server;
  ip: string;
  port: number;
}

async function startEngine(
  ip: string,
  engine: number,
  state: EngineState,
): Promise<Engine> {
  const server = createServer((req, res) => {
    if (state.mode === 'dead') {
      req.socket.destroy();
      return;
    }
    if (state.mode === 'hang') return; // accepts, never answers
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    res.end(
      state.mode === 'garbage'
        ? '\u0000\u00ff{{{ not metrics at all\n<<<>>>'
        : page(state, engine),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  return { state, server, ip, port: (server.address() as AddressInfo).port };
}

// Both pipeline paths: on the event loop, and in the worker thread production uses (from dist/).
describe.each([
  { mode: 'inline', worker: 'false' },
  { mode: 'worker thread', worker: 'true' },
])(
  'GET /metrics over live engines, pipeline $mode (SPEC §3, §4)',
  ({ worker }) => {
    let h: Harness;
    const engines: Engine[] = [];
    const fresh = (over: Partial<EngineState>): EngineState => ({
      running: 0,
      waiting: 0,
      kv: 0,
      prompt: 0,
      ttft: [0, 0, 0, 0, 0, 0, 0],
      ttftSum: 0,
      mode: 'ok',
      ...over,
    });

    // instance 1: prefill, 2 DP ranks on 127.0.0.2; instance 2: decode on 127.0.0.3;
    // instance 3: decode, 2 DP ranks on two pods 127.0.0.4 and 127.0.0.5.
    const layout = [
      {
        id: 1,
        role: 'prefill',
        ip: '127.0.0.2',
        rank: 0,
        s: {
          running: 3,
          waiting: 1,
          kv: 0.25,
          prompt: 1000,
          ttft: [5, 3, 2, 0, 0, 0, 0],
          ttftSum: 0.3,
        },
      },
      {
        id: 1,
        role: 'prefill',
        ip: '127.0.0.2',
        rank: 1,
        s: {
          running: 4,
          waiting: 0,
          kv: 0.75,
          prompt: 3000,
          ttft: [1, 1, 0, 0, 0, 0, 0],
          ttftSum: 0.05,
        },
      },
      {
        id: 2,
        role: 'decode',
        ip: '127.0.0.3',
        rank: 0,
        s: {
          running: 10,
          waiting: 2,
          kv: 0.5,
          prompt: 20,
          ttft: [0, 2, 4, 10, 3, 1, 0],
          ttftSum: 9.5,
        },
      },
      {
        id: 3,
        role: 'decode',
        ip: '127.0.0.4',
        rank: 0,
        s: {
          running: 7,
          waiting: 5,
          kv: 0.9,
          prompt: 30,
          ttft: [0, 0, 1, 5, 8, 2, 4],
          ttftSum: 40,
        },
      },
      {
        id: 3,
        role: 'decode',
        ip: '127.0.0.5',
        rank: 1,
        s: {
          running: 1,
          waiting: 0,
          kv: 0.1,
          prompt: 50,
          ttft: [0, 1, 0, 0, 0, 0, 0],
          ttftSum: 0.04,
        },
      },
    ] as const;

    const refreshBody = (event: string, ids?: number[]) => {
      const byId = new Map<
        number,
        {
          id: number;
          role: string;
          endpoints: Record<string, Record<string, unknown>>;
        }
      >();
      layout.forEach((l, i) => {
        if (ids && !ids.includes(l.id)) return;
        const e = engines[i]!;
        const inst = byId.get(l.id) ?? {
          id: l.id,
          role: l.role,
          endpoints: {},
        };
        inst.endpoints[l.ip] ??= {};
        inst.endpoints[l.ip]![String(l.rank)] = {
          id: l.rank,
          ip: l.ip,
          business_port: e.port,
          mgmt_port: String(e.port),
        };
        byId.set(l.id, inst);
      });
      return {
        event,
        instances: [...byId.values()].map((i) => ({
          job_name: 'e2e',
          model_name: 'deepseek-ai/DeepSeek-V3',
          ...i,
        })),
      };
    };

    const scrape = async (query = '') => {
      const res = await request(h.obs).get(`/metrics${query}`).expect(200);
      return { text: res.text, samples: samplesOf(res.text) };
    };
    const cycle = () => h.apps.handles.scheduler.nextCycle();
    const refresh = async (b: unknown) => {
      await request(h.mgmt)
        .post('/instances/refresh')
        .send(b as object)
        .expect(200);
      await cycle();
    };

    beforeAll(async () => {
      for (const [i, l] of layout.entries()) {
        engines.push(
          await startEngine(l.ip, i, fresh({ ...l.s, ttft: [...l.s.ttft] })),
        );
      }
      h = await startHarness({
        COORDINATOR_REUSE_TIME: '0.2',
        COORDINATOR_STALE_AFTER: '600',
        COORDINATOR_DIGEST_IN_WORKER: worker,
      });
      await refresh(refreshBody('set'));
    });
    afterAll(async () => {
      await h?.close();
      await Promise.all(
        engines.map((e) => {
          e.server.closeAllConnections();
          return new Promise((r) => e.server.close(r));
        }),
      );
    });
    beforeEach(async () => {
      // every test starts from the layout's values, all engines registered and answering
      layout.forEach((l, i) =>
        Object.assign(
          engines[i]!.state,
          fresh({ ...l.s, ttft: [...l.s.ttft] }),
        ),
      );
      await refresh(refreshBody('set'));
    });

    const cum = (counts: readonly number[]) =>
      counts.map((_, i) => counts.slice(0, i + 1).reduce((a, b) => a + b, 0));

    it('full view: sums, means, max, role-scoped TTFT quantiles, workers and freshness', async () => {
      const { samples, text } = await scrape();
      expect(
        one(samples, 'vllm:num_requests_running', {
          model_name: 'deepseek-ai/DeepSeek-V3',
        }),
      ).toBe(25);
      expect(one(samples, 'vllm:num_requests_waiting')).toBe(8);
      expect(one(samples, 'vllm:kv_cache_usage_perc')).toBeCloseTo(
        (0.25 + 0.75 + 0.5 + 0.9 + 0.1) / 5,
        12,
      );
      expect(one(samples, 'vllm:kv_cache_usage_perc_max')).toBe(0.9);
      expect(one(samples, 'vllm:num_requests_running_max')).toBe(10);
      // prompt tokens are prefill-scoped (S2): the two prefill ranks only, 1000 + 3000
      expect(one(samples, 'vllm:prompt_tokens_total')).toBe(4000);
      expect(one(samples, 'motor:active_prefill_workers')).toBe(1);
      expect(one(samples, 'motor:active_decode_workers')).toBe(2);
      expect(one(samples, 'motor:active_union_workers')).toBe(0);
      expect(one(samples, 'motor:endpoints_configured')).toBe(5);
      expect(one(samples, 'motor:endpoints_scraped')).toBe(5);
      expect(text).not.toContain('engine="');
      expect(text).not.toContain('_created');
      // TTFT comes from decode instances only (role scope): engines 2, 3, 4.
      const decode = [2, 3, 4].map((i) => engines[i]!.state.ttft);
      const merged = cum(
        TTFT_LE.concat([Infinity]).map((_, b) =>
          decode.reduce((a, t) => a + t[b]!, 0),
        ),
      );
      // windowed quantiles (S3) are checked where the test controls the window
      // (test/e2e/semantics.e2e-spec.ts); here the lifetime buckets and count:
      expect(text).toMatch(
        /^# TYPE vllm:time_to_first_token_seconds histogram$/m,
      );
      expect(text).toContain(
        `vllm:time_to_first_token_seconds_count{model_name="deepseek-ai/DeepSeek-V3"} ${merged[merged.length - 1]}`,
      );
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

    it('instance, role, dp and node views inject their labels first', async () => {
      const inst = await scrape('?type=instance');
      expect(
        one(inst.samples, 'vllm:num_requests_running', {
          instance_id: '1',
          role: 'prefill',
        }),
      ).toBe(7);
      expect(
        one(inst.samples, 'vllm:num_requests_running', {
          instance_id: '3',
          role: 'decode',
        }),
      ).toBe(8);
      expect(
        one(inst.samples, 'vllm:kv_cache_usage_perc', { instance_id: '1' }),
      ).toBeCloseTo(0.5, 12);
      expect(inst.text).toMatch(
        /^vllm:num_requests_running\{instance_id="1",role="prefill",model_name="deepseek-ai\/DeepSeek-V3"\} 7$/m,
      );

      const role = await scrape('?type=role');
      expect(
        one(role.samples, 'vllm:num_requests_running', { role: 'prefill' }),
      ).toBe(7);
      expect(
        one(role.samples, 'vllm:num_requests_running', { role: 'decode' }),
      ).toBe(18);
      expect(
        role.text.match(/^# TYPE vllm:num_requests_running gauge$/gm),
      ).toHaveLength(1);
      const decodeOnly = await scrape('?type=role&role=decode');
      expect(
        decodeOnly.samples
          .get('vllm:num_requests_running')!
          .map((s) => s.labels.role),
      ).toEqual(['decode']);
      expect(
        one(decodeOnly.samples, 'vllm:prompt_tokens_total', { role: 'decode' }),
      ).toBe(100);

      const dp = await scrape('?type=dp');
      for (const [i, l] of layout.entries()) {
        const labels = {
          dp_rank: String(l.rank),
          role: l.role,
          instance_id: String(l.id),
          pod_ip: l.ip,
        };
        expect(one(dp.samples, 'vllm:num_requests_running', labels)).toBe(
          engines[i]!.state.running,
        );
        expect(one(dp.samples, 'motor:endpoint_up', labels)).toBe(1);
        expect(
          one(
            dp.samples,
            'motor:endpoint_last_success_timestamp_seconds',
            labels,
          ),
        ).toBeGreaterThan(1.7e9);
      }
      expect(dp.text).toMatch(
        /^vllm:num_requests_running\{dp_rank="1",role="decode",instance_id="3",pod_ip="127\.0\.0\.5",engine="4",model_name="deepseek-ai\/DeepSeek-V3"\} 1$/m,
      );

      const node = await scrape('?type=node');
      expect(
        one(node.samples, 'vllm:num_requests_running', {
          pod_ip: '127.0.0.2',
          role: 'prefill',
        }),
      ).toBe(7);
      expect(
        one(node.samples, 'vllm:num_requests_running', {
          pod_ip: '127.0.0.4',
          role: 'decode',
        }),
      ).toBe(7);
      expect(
        one(node.samples, 'motor:endpoints_scraped', {
          pod_ip: '127.0.0.2',
          role: 'prefill',
        }),
      ).toBe(2);
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

    it('rejects bad role and format, treats an unknown type as full, serves OpenTelemetry JSON', async () => {
      const badRole = await request(h.obs)
        .get('/metrics?type=role&role=router')
        .expect(400);
      expect(badRole.body.message).toBe(
        'role must be one of prefill, decode, union',
      );
      const badFormat = await request(h.obs)
        .get('/metrics?format=xml')
        .expect(400);
      expect(badFormat.body.message).toBe(
        'format must be one of prometheus, opentelemetry',
      );
      const unknown = await request(h.obs)
        .get('/metrics?type=everything')
        .expect(200);
      expect(one(samplesOf(unknown.text), 'vllm:num_requests_running')).toBe(
        25,
      );
      expect(unknown.headers['content-type']).toBe(
        'text/plain; version=0.0.4; charset=utf-8',
      );
      const otel = await request(h.obs)
        .get('/metrics?format=opentelemetry')
        .expect(200);
      expect(otel.headers['content-type']).toMatch(/^application\/json/);
      const metrics = otel.body.resourceMetrics[0].scopeMetrics[0].metrics as {
        name: string;
        gauge?: { dataPoints: { asDouble: number }[] };
      }[];
      const running = metrics.find(
        (m) => m.name === 'vllm:num_requests_running',
      )!;
      expect(running.gauge!.dataPoints[0]!.asDouble).toBe(25);
    });

    it("prefixes the coordinator's own metrics so they never collide", async () => {
      const { text } = await scrape();
      expect(text).toMatch(/^motor_coordinator_process_cpu_seconds_total /m);
      expect(text).not.toMatch(/^process_cpu_seconds_total /m);
      const types = text.match(/^# TYPE (\S+)/gm)!;
      expect(new Set(types).size).toBe(types.length);
    });

    it('counts the CPU time of the cycle worker thread (0 when the pipeline runs inline)', async () => {
      await cycle();
      const { samples } = await scrape();
      const cpu = one(
        samples,
        'motor_coordinator_digest_thread_cpu_seconds_total',
      );
      if (worker === 'true' && process.platform === 'linux')
        expect(cpu).toBeGreaterThan(0);
      else expect(cpu).toBe(0);
    });

    it('answers 200 with only its own metrics when no instance is registered', async () => {
      await refresh({ event: 'set', instances: [] });
      for (const type of ['full', 'instance', 'role', 'dp', 'node']) {
        const { samples, text } = await scrape(`?type=${type}`);
        expect(text).not.toContain('vllm:');
        expect(text).toContain('motor_coordinator_');
        if (type === 'full')
          expect(one(samples, 'motor:endpoints_configured')).toBe(0);
      }
    });
  },
);
