import { ROLES, engine } from '../../test/support/simulated-engine.js';
import { ROLE_PROFILES } from './role-profiles.js';
import { VLLM_HISTOGRAMS } from './vllm-catalogue.js';
import { SimulatedVllmEngine } from './vllm-engine.js';
import {
  pageSamples,
  pageValue,
  type PageSample,
} from '../../test/support/page-lines.js';

/** Monotonic series: counters, histogram/summary buckets, counts and sums, and `_created`. */
function isCumulative(s: PageSample): boolean {
  return /(_total|_bucket|_count|_sum|_created)$/.test(s.name);
}

describe('SimulatedVllmEngine dynamics', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const run = (seed: number) => {
      const e = engine('decode', seed);
      for (let i = 0; i < 20; i++) e.tick(1.5);
      return e.render();
    };
    expect(run(5)).toBe(run(5));
    expect(run(5)).not.toBe(run(6));
  });

  it.each(ROLES)(
    'keeps counters monotonic and gauges in range across ticks (%s)',
    (role) => {
      const e = engine(role, 9);
      let prev = new Map(
        pageSamples(e.render())
          .filter(isCumulative)
          .map((s) => [s.series, s.value]),
      );
      let grew = 0;
      const decreased: string[] = [];
      for (let i = 0; i < 60; i++) {
        e.tick(i % 10 === 0 ? 60 : 1);
        const samples = pageSamples(e.render());
        for (const s of samples.filter(isCumulative)) {
          const before = prev.get(s.series);
          if (before === undefined || s.value < before) {
            decreased.push(`${s.series}: ${before} -> ${s.value}`);
          } else if (s.value > before) grew++;
        }
        prev = new Map(
          samples.filter(isCumulative).map((s) => [s.series, s.value]),
        );
        const gauge = (name: string) =>
          samples.find((x) => x.name === name)?.value ?? NaN;
        const running = gauge('vllm:num_requests_running');
        const waiting = gauge('vllm:num_requests_waiting');
        const kv = gauge('vllm:kv_cache_usage_perc');
        expect(Number.isInteger(running)).toBe(true);
        expect(Number.isInteger(waiting)).toBe(true);
        expect(running).toBeGreaterThanOrEqual(0);
        expect(running).toBeLessThanOrEqual(ROLE_PROFILES[role].capacity);
        expect(waiting).toBeGreaterThanOrEqual(0);
        expect(kv).toBeGreaterThanOrEqual(0);
        expect(kv).toBeLessThanOrEqual(1);
      }
      expect(decreased).toEqual([]);
      expect(grew).toBeGreaterThan(1000);
    },
  );

  it.each(ROLES)(
    'keeps histograms and counters consistent with each other (%s)',
    (role) => {
      const e = engine(role, 11);
      e.tick(3600);
      const page = e.render();
      const samples = pageSamples(page);
      for (const h of VLLM_HISTOGRAMS) {
        const buckets = samples.filter((s) => s.name === `${h.name}_bucket`);
        const count = pageValue(page, `${h.name}_count`);
        const sum = pageValue(page, `${h.name}_sum`);
        expect(buckets.at(-1)?.labels.le).toBe('+Inf');
        expect(buckets.at(-1)?.value).toBe(count);
        for (let i = 1; i < buckets.length; i++) {
          expect(buckets[i]!.value).toBeGreaterThanOrEqual(
            buckets[i - 1]!.value,
          );
        }
        if (count > 0) {
          // The mean lies between the lowest and highest filled bucket bounds.
          const first = buckets.findIndex((b) => b.value > 0);
          const last = buckets.findIndex((b) => b.value === count);
          const lo = first === 0 ? 0 : Number(buckets[first - 1]!.labels.le);
          const hi = Number(
            buckets[last]!.labels.le!.replace('+Inf', 'Infinity'),
          );
          expect(sum / count).toBeGreaterThanOrEqual(lo);
          expect(sum / count).toBeLessThanOrEqual(hi);
        }
      }
      const finished = ['stop', 'length', 'abort', 'error']
        .map((r) =>
          pageValue(page, 'vllm:request_success_total', { finished_reason: r }),
        )
        .reduce((a, b) => a + b, 0);
      const requests = pageValue(
        page,
        'vllm:e2e_request_latency_seconds_count',
      );
      expect(requests).toBeGreaterThan(0);
      expect(finished).toBe(requests);
      expect(pageValue(page, 'vllm:time_to_first_token_seconds_count')).toBe(
        requests,
      );
      const prompt = pageValue(page, 'vllm:prompt_tokens_total');
      const generated = pageValue(page, 'vllm:generation_tokens_total');
      expect(prompt).toBe(pageValue(page, 'vllm:request_prompt_tokens_sum'));
      expect(generated).toBe(
        pageValue(page, 'vllm:request_generation_tokens_sum'),
      );
      expect(pageValue(page, 'vllm:inter_token_latency_seconds_count')).toBe(
        generated - requests,
      );
      expect(pageValue(page, 'vllm:prefix_cache_queries_total')).toBe(prompt);
      expect(
        pageValue(page, 'vllm:prefix_cache_hits_total'),
      ).toBeLessThanOrEqual(prompt);
      expect(
        pageValue(page, 'vllm:external_prefix_cache_hits_total'),
      ).toBeLessThanOrEqual(
        pageValue(page, 'vllm:external_prefix_cache_queries_total'),
      );
    },
  );

  it('models PD honestly: prefill finishes every request with one token, decode reports the generation', () => {
    const mean = (e: SimulatedVllmEngine, name: string) => {
      const page = e.render();
      return pageValue(page, `${name}_sum`) / pageValue(page, `${name}_count`);
    };
    const prefill = engine('prefill', 3);
    const decode = engine('decode', 3);
    prefill.tick(600);
    decode.tick(600);
    const p = prefill.render();
    const d = decode.render();
    const prompt = 'vllm:request_prompt_tokens';
    const gen = 'vllm:request_generation_tokens';
    const success = (page: string, r: string) =>
      pageValue(page, 'vllm:request_success_total', { finished_reason: r });
    const requests = pageValue(p, 'vllm:e2e_request_latency_seconds_count');
    expect(requests).toBeGreaterThan(100);
    // Prefill: max_tokens=1, so every request ends with one token and "length".
    expect(success(p, 'length')).toBe(requests);
    for (const r of ['stop', 'abort', 'error']) expect(success(p, r)).toBe(0);
    expect(pageValue(p, 'vllm:generation_tokens_total')).toBe(requests);
    expect(mean(prefill, gen)).toBe(1);
    expect(pageValue(p, 'vllm:inter_token_latency_seconds_count')).toBe(0);
    // The same requests reach decode: same prompt length distribution
    // (vLLM counts the whole prompt there too), but nearly all of it arrives
    // over the KV connector instead of being computed.
    expect(mean(decode, prompt) / mean(prefill, prompt)).toBeGreaterThan(0.85);
    expect(mean(decode, prompt) / mean(prefill, prompt)).toBeLessThan(1.15);
    const dPrompt = pageValue(d, 'vllm:prompt_tokens_total');
    const external = pageValue(d, 'vllm:external_prefix_cache_hits_total');
    const local = pageValue(d, 'vllm:prefix_cache_hits_total');
    expect((external + local) / dPrompt).toBeGreaterThan(0.97);
    expect(pageValue(p, 'vllm:external_prefix_cache_queries_total')).toBe(0);
    // Decode reports what the user receives: long outputs, a stop/length mix.
    expect(mean(decode, gen)).toBeGreaterThan(100);
    const dRequests = pageValue(d, 'vllm:e2e_request_latency_seconds_count');
    expect(success(d, 'stop') / dRequests).toBeGreaterThan(0.7);
    expect(success(d, 'length') / dRequests).toBeGreaterThan(0.1);
    expect(success(d, 'length') / dRequests).toBeLessThan(0.25);
    expect(mean(decode, 'vllm:e2e_request_latency_seconds')).toBeGreaterThan(
      10 * mean(prefill, 'vllm:e2e_request_latency_seconds'),
    );
    // Tokens the decode engine computes: its outputs plus a sliver of prompt.
    const iteration = pageValue(d, 'vllm:iteration_tokens_total_sum');
    const generated = pageValue(d, 'vllm:generation_tokens_total');
    expect(iteration).toBeLessThan(generated + 0.05 * dPrompt);
  });

  it('restarts like a new process: counters from 0, a later start time', () => {
    const e = engine('union', 4);
    e.tick(600);
    const before = e.render();
    const started = pageValue(before, 'process_start_time_seconds');
    const created = pageValue(before, 'vllm:prompt_tokens_created');
    expect(pageValue(before, 'vllm:prompt_tokens_total')).toBeGreaterThan(0);

    e.restart();
    const after = e.render();
    for (const s of pageSamples(after).filter((x) =>
      /(_total|_bucket|_count|_sum)$/.test(x.name),
    )) {
      expect(s.value).toBe(0);
    }
    expect(pageValue(after, 'process_start_time_seconds')).toBeGreaterThan(
      started,
    );
    expect(pageValue(after, 'vllm:prompt_tokens_created')).toBeGreaterThan(
      created,
    );
    expect(pageValue(after, 'vllm:prompt_tokens_created')).toBeGreaterThan(
      pageValue(after, 'process_start_time_seconds'),
    );
    e.restart();
    expect(pageValue(e.render(), 'process_start_time_seconds')).toBeGreaterThan(
      pageValue(after, 'process_start_time_seconds'),
    );
    e.tick(60);
    expect(pageValue(e.render(), 'vllm:prompt_tokens_total')).toBeGreaterThan(
      0,
    );
    expect(e.snapshot().restarts).toBe(2);
  });

  it('warms up to non-zero counters and advances lazily with render(now)', () => {
    const e = engine('decode', 8, { warmupSeconds: 3600 });
    expect(e.snapshot().promptTokensTotal).toBeGreaterThan(0);
    const clock = e.clockSeconds;
    const tokens = e.snapshot().generationTokensTotal;
    const same = e.render();
    expect(e.render(clock - 100)).toBe(same);
    e.render(clock + 30);
    expect(e.clockSeconds).toBe(clock + 30);
    expect(e.snapshot().generationTokensTotal).toBeGreaterThan(tokens);
  });
});
