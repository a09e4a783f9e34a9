import {
  counter,
  gauge,
  pageEngineScenarios,
} from '../support/page-engines.js';

/**
 * SPEC §3.1 end to end, one scenario per rule: engines on 127.0.0.x serve pages the
 * test writes (test/support/page-engines.ts), the real application scrapes them, and
 * each expectation is worked out by hand from those pages (the output is read back
 * with the npm exposition parser).
 *
 * Models and reductions: S5 (derived metrics per `model_name`) and R2 (a V0 -1
 * gauge left out of the mean).
 */

describe('metric semantics over live engines (SPEC §3.1)', () => {
  const { boot, engine, instance, refresh, full } = pageEngineScenarios();

  it('S5 + R2: a two-model fleet and a V0 -1 gauge', async () => {
    await boot();
    const a = await engine(
      gauge('vllm:gpu_cache_usage_perc', -1) +
        counter('vllm:generation_tokens_total', 0),
    );
    const b = await engine(
      gauge('vllm:gpu_cache_usage_perc', 0.8) +
        counter('vllm:generation_tokens_total', 0),
    );
    const c = await engine(
      gauge('vllm:gpu_cache_usage_perc', 0.4, 'model_name="other"'),
    );
    await refresh('add', [
      instance(1, 'union', a, 'alpha'),
      instance(2, 'union', b, 'alpha'),
      instance(3, 'decode', c, 'beta'),
    ]);
    const s = await full();
    const of = (name: string, model: string) =>
      (s.get(name) ?? []).find((x) => x.labels.model_name === model)?.value;
    // -1 is "disabled": the mean of alpha is 0.8, not (-1 + 0.8) / 2
    expect(of('motor:kv_cache_usage_ratio', 'alpha')).toBe(0.8);
    expect(of('motor:kv_cache_usage_ratio', 'beta')).toBe(0.4);
    expect(of('motor:active_union_workers', 'alpha')).toBe(2);
    expect(of('motor:active_decode_workers', 'alpha')).toBe(0);
    expect(of('motor:active_decode_workers', 'beta')).toBe(1);
    expect(of('motor:generation_tokens_per_second', 'alpha')).toBe(0);
  });
});
