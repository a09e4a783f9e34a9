import request from 'supertest';
import type { Harness } from '../support/app-harness.js';
import { one, samplesOf } from '../support/exposition.js';
import { liveEngineCluster, TTFT_LE } from '../support/live-engines.js';

/**
 * GET /metrics end to end, view by view: engines on 127.0.0.x serve pages
 * whose values the test controls (test/support/live-engines.ts); expectations
 * are computed here, independently of the aggregator (pages re-parsed with the
 * npm parser, sums and quantiles by hand).
 */

// Both pipeline paths: on the event loop, and in the worker thread production uses (from dist/).
describe.each([
  { mode: 'inline', worker: 'false' },
  { mode: 'worker thread', worker: 'true' },
])(
  'GET /metrics over live engines, pipeline $mode (SPEC §3, §4)',
  ({ worker }) => {
    const cluster = liveEngineCluster(worker);
    const { engines, layout, scrape, cycle, refresh } = cluster;
    let h: Harness;
    beforeAll(() => {
      h = cluster.harness();
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
      // (test/e2e/semantics-histograms.e2e-spec.ts); here the lifetime buckets and count:
      expect(text).toMatch(
        /^# TYPE vllm:time_to_first_token_seconds histogram$/m,
      );
      expect(text).toContain(
        `vllm:time_to_first_token_seconds_count{model_name="deepseek-ai/DeepSeek-V3"} ${merged[merged.length - 1]}`,
      );
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
