import { histogramQuantile, histogramBuckets } from '../support/exposition.js';
import { histogram, pageEngineScenarios } from '../support/page-engines.js';

/**
 * SPEC §3.1 end to end, one scenario per rule: engines on 127.0.0.x serve pages the
 * test writes (test/support/page-engines.ts), the real application scrapes them, and
 * each expectation is worked out by hand from those pages (the output is read back
 * with the npm exposition parser).
 *
 * Histograms: S3 (windowed quantiles) and S4 (mixed bucket layouts).
 */

describe('metric semantics over live engines (SPEC §3.1)', () => {
  const { boot, engine, instance, refresh, cycle, full, text, value } =
    pageEngineScenarios();

  it('S3: a burst of slow requests moves p99 within one window; a quiet window has none', async () => {
    await boot({ COORDINATOR_QUANTILE_WINDOW: '1' });
    const page = (fast: number, slow: number) =>
      histogram(
        'vllm:time_to_first_token_seconds',
        [
          ['0.1', fast],
          ['1', fast],
          ['10', fast + slow],
          ['+Inf', fast + slow],
        ],
        fast * 0.05 + slow * 5,
      );
    const u = await engine(page(1e6, 0));
    await refresh('add', [instance(1, 'union', u)]);
    u.body = page(1e6, 5000);
    await cycle();
    // Δ in the window: 5000 observations in (1, 10]
    const expected = histogramQuantile(0.99, [0.1, 1, 10], [0, 0, 5000, 5000]);
    expect(expected).toBeCloseTo(9.91, 9);
    expect(await value('vllm:time_to_first_token_seconds_p99')).toBeCloseTo(
      expected,
      9,
    );
    // lifetime buckets would say ≈ 0.1: 5000 of 1,005,000 observations are slow
    for (let i = 0; i < 9; i++) await cycle();
    expect(await value('vllm:time_to_first_token_seconds_p99')).toBeUndefined();
    expect(
      await value('motor:time_to_first_token_seconds_mean'),
    ).toBeUndefined();
  });

  it('S4: mixed bucket layouts merge on the shared boundaries and are flagged', async () => {
    await boot();
    const a = await engine(
      histogram(
        'vllm:time_to_first_token_seconds',
        [
          ['0.1', 1],
          ['0.5', 3],
          ['1', 4],
          ['+Inf', 5],
        ],
        2,
      ),
    );
    const b = await engine(
      histogram(
        'vllm:time_to_first_token_seconds',
        [
          ['0.1', 2],
          ['1', 6],
          ['+Inf', 7],
        ],
        3,
      ),
    );
    await refresh('add', [instance(1, 'decode', a), instance(2, 'decode', b)]);
    const hist = histogramBuckets(await text()).get(
      'vllm:time_to_first_token_seconds',
    );
    expect(hist).toEqual([{ '0.1': 3, '1': 10, '+Inf': 12 }]);
    const s = await full();
    expect(
      (s.get('motor:histogram_layout_mismatch') ?? [])
        .map((x) => x.labels.family)
        .sort((x, y) => (x ?? '').localeCompare(y ?? '')),
    ).toEqual([
      'motor:time_to_first_token_seconds',
      'vllm:time_to_first_token_seconds',
    ]);
  });
});
