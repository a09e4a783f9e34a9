import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { startHarness, type Harness } from '../support/app-harness.js';
import {
  histogramQuantile,
  histogramBuckets,
  samplesOf,
} from '../support/exposition.js';

/**
 * SPEC §3.1 end to end, one scenario per rule: engines on 127.0.0.x serve pages the
 * test writes, the real application scrapes them, and each expectation is worked out
 * by hand from those pages (the output is read back with the npm exposition parser).
 */

interface PageEngine {
  body: string;
  readonly server: Server;
  readonly ip: string;
  readonly port: number;
}

async function startPageEngine(ip: string, body: string): Promise<PageEngine> {
  const engine = { body } as PageEngine;
  const server = createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    res.end(engine.body);
  });
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  Object.assign(engine, {
    server,
    ip,
    port: (server.address() as AddressInfo).port,
  });
  return engine;
}

const counter = (name: string, value: number, labels = 'model_name="m"') =>
  `# TYPE ${name} counter\n${name}{${labels}} ${value}\n`;
const gauge = (name: string, value: number, labels = 'model_name="m"') =>
  `# TYPE ${name} gauge\n${name}{${labels}} ${value}\n`;
function histogram(
  name: string,
  buckets: readonly [string, number][],
  sum: number,
): string {
  const lines = [`# TYPE ${name} histogram`];
  for (const [le, c] of buckets)
    lines.push(`${name}_bucket{le="${le}",model_name="m"} ${c}`);
  lines.push(
    `${name}_sum{model_name="m"} ${sum}`,
    `${name}_count{model_name="m"} ${buckets[buckets.length - 1]![1]}`,
  );
  return lines.join('\n') + '\n';
}

describe('metric semantics over live engines (SPEC §3.1)', () => {
  let h: Harness | undefined;
  let engines: PageEngine[] = [];
  let next = 10;

  afterEach(async () => {
    await h?.close();
    h = undefined;
    await Promise.all(
      engines.map((e) => {
        e.server.closeAllConnections();
        return new Promise((r) => e.server.close(r));
      }),
    );
    engines = [];
  });

  const boot = async (env: Record<string, string> = {}) => {
    h = await startHarness({
      COORDINATOR_REUSE_TIME: '0.2',
      COORDINATOR_STALE_AFTER: '600',
      ...env,
    });
    return h;
  };
  const engine = async (body: string) => {
    const e = await startPageEngine(`127.0.0.${next++}`, body);
    engines.push(e);
    return e;
  };
  const instance = (id: number, role: string, e: PageEngine, model = 'm') => ({
    job_name: 'e2e',
    model_name: model,
    id,
    role,
    endpoints: {
      [e.ip]: {
        '0': { id: 0, ip: e.ip, business_port: e.port, mgmt_port: e.port },
      },
    },
  });
  const refresh = async (event: string, instances: object[]) => {
    await request(h!.mgmt)
      .post('/instances/refresh')
      .send({ event, instances })
      .expect(200);
    await h!.apps.handles.scheduler.nextCycle();
  };
  const cycle = () => h!.apps.handles.scheduler.nextCycle();
  const full = async (query = '') =>
    samplesOf((await request(h!.obs).get(`/metrics${query}`).expect(200)).text);
  const text = async () =>
    (await request(h!.obs).get('/metrics').expect(200)).text;
  const value = async (name: string, query = '') => {
    const list = (await full(query)).get(name) ?? [];
    return list.length === 1 ? list[0]!.value : undefined;
  };

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
