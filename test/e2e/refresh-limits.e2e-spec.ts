import request from 'supertest';
import { startHarness, type Harness } from '../support/app-harness.js';
import { body, instance } from '../support/refresh-bodies.js';

/**
 * Hostile refresh bodies (issue 13): each is answered with a 4xx naming the
 * limit, nothing changes, and the probes keep answering. Timings are printed,
 * not asserted.
 */
describe('refresh limits: hostile bodies are refused in bounded time', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  /** The registry's definitions (scrape status, which moves on its own, left out). */
  const list = async () =>
    JSON.stringify(
      (await request(h.mgmt).get('/instances').expect(200)).body.instances,
      (key, value: unknown) => (key === 'scrape' ? undefined : value),
    );

  /** Sends a raw JSON body; a probe is sent right behind it, both timed. */
  async function hostile(name: string, payload: string) {
    const t0 = performance.now();
    let probeMs = 0;
    const [res] = await Promise.all([
      request(h.mgmt)
        .post('/instances/refresh')
        .set('Content-Type', 'application/json')
        .send(payload),
      (async () => {
        const p0 = performance.now();
        await request(h.mgmt).get('/liveness').expect(200);
        probeMs = performance.now() - p0;
      })(),
    ]);
    const ms = performance.now() - t0;
    console.log(
      `${name}: ${(payload.length / 1e6).toFixed(2)} MB → ${res.status} in ${ms.toFixed(0)} ms (probe alongside: ${probeMs.toFixed(0)} ms)`,
    );
    return res;
  }

  beforeEach(async () => {
    await request(h.mgmt)
      .post('/instances/refresh')
      .send(body('set', [instance({ id: 1, role: 'union' })]))
      .expect(200);
  });

  it('a 0.76 MB parallel_config with 70k keys: 413 naming max_upstream_keys', async () => {
    const before = await list();
    const parallel: Record<string, number> = {};
    for (let i = 0; i < 70_000; i++) parallel[`k${i}`] = i;
    const payload = JSON.stringify(
      body('add', [instance({ id: 2, parallel_config: parallel })]),
    );
    expect(payload.length).toBeGreaterThan(750_000);
    const res = await hostile('70k-key parallel_config', payload);
    expect(res.status).toBe(413);
    expect(res.body.errors.join('\n')).toContain(
      'instances[0]: its upstream fields (parallel_config) hold more than 1024 keys; the limit is refresh_limits_config.max_upstream_keys',
    );
    expect(await list()).toEqual(before);
  });

  it('10k nesting levels (objects and arrays): 413 naming max_json_depth', async () => {
    const before = await list();
    for (const [open, close] of [
      ['{"a":', '}'],
      ['[', ']'],
    ] as const) {
      const deep = open.repeat(10_000) + '1' + close.repeat(10_000);
      const payload = JSON.stringify(
        body('add', [instance({ id: 2, parallel_config: 0 })]),
      ).replace('"parallel_config":0', `"parallel_config":${deep}`);
      const res = await hostile(`10k levels of ${open}`, payload);
      expect(res.status).toBe(413);
      // The body, `instances` and the instance are 3 levels: the 30th
      // opening of parallel_config is level 33.
      const start =
        payload.indexOf('"parallel_config":') + '"parallel_config":'.length;
      expect(res.body.message).toBe(
        `JSON nested deeper than refresh_limits_config.max_json_depth = 32 (at byte ${start + 29 * open.length})`,
      );
    }
    expect(await list()).toEqual(before);
  });

  it('10 MB of nesting (5M levels) is refused before JSON.parse', async () => {
    const payload = '['.repeat(5_000_000) + ']'.repeat(5_000_000);
    const res = await hostile('5M levels of [', payload);
    expect(res.status).toBe(413);
    expect(res.body.message).toBe(
      'JSON nested deeper than refresh_limits_config.max_json_depth = 32 (at byte 32)',
    );
  });

  it('100k empty instances: 413 naming max_instances', async () => {
    const before = await list();
    const payload = JSON.stringify(
      body(
        'add',
        Array.from({ length: 100_000 }, () => ({})),
      ),
    );
    const res = await hostile('100k empty instances', payload);
    expect(res.status).toBe(413);
    expect(res.body.message).toBe(
      'instances: 100000 in one request; the limit is refresh_limits_config.max_instances = 4096',
    );
    expect(await list()).toEqual(before);
  });

  it('58 instances with 9.5 MB names: each 413 naming max_string_length; the registry stays listable', async () => {
    const before = await list();
    const name = 'n'.repeat(9.5 * 1024 * 1024);
    let worst = 0;
    for (let id = 100; id < 158; id++) {
      const payload = JSON.stringify(
        body('add', [instance({ id, model_name: name })]),
      );
      const t0 = performance.now();
      const res = await request(h.mgmt)
        .post('/instances/refresh')
        .set('Content-Type', 'application/json')
        .send(payload);
      worst = Math.max(worst, performance.now() - t0);
      expect(res.status).toBe(413);
      expect(res.body.errors).toEqual([
        `instances[0].model_name: ${name.length} characters; the limit is refresh_limits_config.max_string_length = 1024`,
      ]);
    }
    console.log(
      `58 × 9.5 MB model_name: each 413, slowest ${worst.toFixed(0)} ms`,
    );
    expect(await list()).toEqual(before);
  });

  it('lists the first 20 problems and counts the rest', async () => {
    const bad = Array.from({ length: 200 }, (_, i) => ({
      ...instance({ id: 1000 + i }),
      role: 'router',
    }));
    const res = await request(h.mgmt)
      .post('/instances/refresh')
      .send(body('add', bad))
      .expect(400);
    const errors = res.body.errors as string[];
    expect(errors).toHaveLength(21);
    expect(errors[0]).toMatch(/^instances\[0\]\.role: role must be one of/);
    expect(errors[20]).toBe('… and 180 more');
  });
});

describe('refresh limits are configuration', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      COORDINATOR_REFRESH_MAX_INSTANCES: '3',
      COORDINATOR_REFRESH_MAX_ENDPOINTS_PER_INSTANCE: '2',
      COORDINATOR_REFRESH_MAX_ENDPOINTS: '4',
      COORDINATOR_REFRESH_MAX_STRING_LENGTH: '16',
      COORDINATOR_REFRESH_MAX_UPSTREAM_KEYS: '3',
      COORDINATOR_REFRESH_MAX_UPSTREAM_BYTES: '40',
      COORDINATOR_REFRESH_MAX_JSON_DEPTH: '8',
    });
  });
  afterAll(async () => {
    await h.close();
  });

  const post = (b: unknown) =>
    request(h.mgmt)
      .post('/instances/refresh')
      .send(b as object);
  const ids = async () =>
    (
      (await request(h.mgmt).get('/instances').expect(200)).body.instances as {
        id: number;
      }[]
    ).map((i) => i.id);

  it('per request: instances, endpoints per instance, string lengths, upstream keys and bytes, depth', async () => {
    await post(body('set', [])).expect(200);
    const four = [1, 2, 3, 4].map((id) => instance({ id }));
    expect((await post(body('set', four)).expect(413)).body.message).toContain(
      'instances: 4 in one request; the limit is refresh_limits_config.max_instances = 3',
    );
    const errorsOf = async (inst: unknown) =>
      (
        (await post(body('add', [inst])).expect(413)).body.errors as string[]
      ).join('\n');
    expect(await errorsOf(instance({ id: 1, ranks: 3 }))).toContain(
      'instances[0].endpoints: 3 endpoints; the limit is refresh_limits_config.max_endpoints_per_instance = 2',
    );
    expect(
      await errorsOf(instance({ id: 1, job_name: 'j'.repeat(17) })),
    ).toContain(
      'instances[0].job_name: 17 characters; the limit is refresh_limits_config.max_string_length = 16',
    );
    expect(
      await errorsOf(instance({ id: 1, parallel_config: { a: 1, b: [1, 2] } })),
    ).toContain('hold more than 3 keys');
    expect(
      await errorsOf(instance({ id: 1, engine_type: 'x'.repeat(40) })),
    ).toMatch(
      /its upstream fields take \d+ bytes as JSON; the limit is refresh_limits_config.max_upstream_bytes = 40/,
    );
    const deep = await post(
      body('add', [
        instance({ id: 1, p: { a: { b: { c: { d: { e: { f: 1 } } } } } } }),
      ]),
    ).expect(413);
    expect(deep.body.message).toContain('max_json_depth = 8');
    // At the limits: accepted.
    await post(
      body('add', [
        instance({
          id: 1,
          ranks: 2,
          job_name: 'j'.repeat(16),
          parallel_config: { a: 1, b: 2 },
        }),
      ]),
    ).expect(200);
    expect(await ids()).toEqual([1]);
  });

  it('the registry: instances and endpoints after the event, never blocking a shrink', async () => {
    await post(
      body(
        'set',
        [1, 2, 3].map((id) => instance({ id })),
      ),
    ).expect(200);
    const more = await post(body('add', [instance({ id: 4 })])).expect(413);
    expect(more.body.message).toBe(
      'the registry would hold 4 instances; the limit is refresh_limits_config.max_instances = 3',
    );
    expect(await ids()).toEqual([1, 2, 3]);
    // Replacing one keeps the count: fine.
    await post(body('add', [instance({ id: 3, ranks: 2 })])).expect(200);
    const endpoints = await post(
      body('add', [instance({ id: 2, ranks: 2 })]),
    ).expect(413);
    expect(endpoints.body.message).toBe(
      'the registry would hold 5 endpoints; the limit is refresh_limits_config.max_endpoints = 4',
    );
    await post(body('del', [{ id: 1 }])).expect(200);
    await post(body('add', [instance({ id: 2, ranks: 2 })])).expect(200);
    expect(await ids()).toEqual([2, 3]);
  });
});
