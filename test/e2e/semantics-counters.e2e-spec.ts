import {
  counter,
  histogram,
  pageEngineScenarios,
} from '../support/page-engines.js';

/**
 * SPEC §3.1 end to end, one scenario per rule: engines on 127.0.0.x serve pages the
 * test writes (test/support/page-engines.ts), the real application scrapes them, and
 * each expectation is worked out by hand from those pages (the output is read back
 * with the npm exposition parser).
 *
 * Counters: S1 (joins, leaves, restarts) and S2 (requests and tokens counted once).
 */

describe('metric semantics over live engines (SPEC §3.1)', () => {
  const { boot, engine, instance, refresh, cycle, full, text, value } =
    pageEngineScenarios();

  it('S1: a long-running engine joins at 0; del + re-add and a restart keep the sum honest', async () => {
    await boot();
    const a = await engine(counter('vllm:prompt_tokens_total', 100));
    const b = await engine(counter('vllm:prompt_tokens_total', 9e8));
    await refresh('add', [instance(1, 'union', a)]);
    expect(await value('motor:prompt_tokens_total')).toBe(100);
    await refresh('add', [instance(2, 'union', b)]);
    // a week of B's history adds nothing; the rate is A's (none since), not 9e8 / 0.2 s
    expect(await value('motor:prompt_tokens_total')).toBe(100);
    expect(await value('vllm:prompt_tokens_total')).toBe(100);
    expect(await value('motor:prompt_tokens_per_second')).toBe(0);
    b.body = counter('vllm:prompt_tokens_total', 9e8 + 50);
    await cycle();
    expect(await value('motor:prompt_tokens_total')).toBe(150);
    // del + add of the running engine: its history is not counted a second time
    await refresh('del', [{ id: 2 }]);
    expect(await value('motor:prompt_tokens_total')).toBe(150);
    await refresh('add', [instance(2, 'union', b)]);
    expect(await value('motor:prompt_tokens_total')).toBe(150);
    // B restarts and has done 7 since: + 7
    b.body = counter('vllm:prompt_tokens_total', 7);
    await cycle();
    expect(await value('motor:prompt_tokens_total')).toBe(157);
  });

  it('S2: requests and tokens counted once in a PD fleet', async () => {
    await boot();
    // prefill finishes every request with max_tokens = 1
    const p = await engine(
      counter('vllm:prompt_tokens_total', 5000) +
        counter('vllm:generation_tokens_total', 40) +
        counter(
          'vllm:request_success_total',
          40,
          'finished_reason="length",model_name="m"',
        ),
    );
    const d = await engine(
      counter('vllm:prompt_tokens_total', 80) +
        counter('vllm:generation_tokens_total', 3000) +
        counter(
          'vllm:request_success_total',
          33,
          'finished_reason="stop",model_name="m"',
        ) +
        'vllm:request_success_total{finished_reason="length",model_name="m"} 7\n',
    );
    await refresh('add', [instance(1, 'prefill', p), instance(2, 'decode', d)]);
    const s = await full();
    const pick = (name: string, labels: Record<string, string> = {}) =>
      (s.get(name) ?? []).find((x) =>
        Object.entries(labels).every(([k, v]) => x.labels[k] === v),
      )?.value;
    // decode-only success: 7 of 40 by length (17.5 %), not 47 of 80
    expect(
      pick('vllm:request_success_total', { finished_reason: 'length' }),
    ).toBe(7);
    expect(
      pick('motor:requests_finished_total', { finished_reason: 'stop' }),
    ).toBe(33);
    // prefill-only prompt tokens, decode-only generated tokens
    expect(pick('motor:prompt_tokens_total')).toBe(5000);
    expect(pick('motor:generation_tokens_total')).toBe(3000);
  });

  it('S2 + S1: decode scaled to zero and back never makes a counter go down', async () => {
    await boot({ COORDINATOR_STALE_AFTER: '0.6' });
    const ttft = (n: number) =>
      histogram(
        'vllm:time_to_first_token_seconds',
        [
          ['1', n],
          ['+Inf', n],
        ],
        n,
      );
    const p = await engine(ttft(49));
    const d = await engine(ttft(201));
    await refresh('add', [instance(1, 'prefill', p), instance(2, 'decode', d)]);
    const seen: number[] = [];
    const count = async () => {
      const line =
        /^motor:time_to_first_token_seconds_count\{model_name="m"\} (\S+)$/m.exec(
          await text(),
        );
      const v = line ? Number(line[1]) : undefined;
      seen.push(v ?? NaN); // NaN: the series was absent (the next value starts a new series)
      return v;
    };
    expect(await count()).toBe(201);
    await refresh('del', [{ id: 2 }]);
    // frozen at 201 (never the prefill side's 49), then gone after stale_after
    expect(await count()).toBe(201);
    for (let i = 0; i < 6; i++) await cycle();
    expect(await count()).toBeUndefined();
    d.body = ttft(152);
    await refresh('add', [instance(2, 'decode', d)]);
    expect(await count()).toBe(152);
    // no value while the series existed was ever below the one before it
    const decreases = seen.filter((v, i) => i > 0 && v < seen[i - 1]!);
    expect(decreases).toEqual([]);
  });
});
