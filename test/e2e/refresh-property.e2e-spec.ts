import fc from 'fast-check';
import request from 'supertest';
import { startHarness, type Harness } from '../support/app-harness.js';

/**
 * Property (issue 13): whatever JSON a client sends to POST /instances/refresh,
 * the answer is 200 or a 4xx — never a 5xx — and the registry changes only
 * on a 200. Bodies are arbitrary JSON and mutations of valid bodies.
 *
 * The harness only allows loopback targets (scrape_allowed_cidrs) and its
 * scrape cycle period is an hour, so no generated address is ever scraped.
 */

const LOOPBACK = ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.3'];

// Mostly a few ports, so that address:port clashes within a request and
// with the registry are frequent.
const portArb = fc.oneof(
  fc.integer({ min: 20000, max: 20005 }),
  fc.integer({ min: 20000, max: 20005 }).map(String),
  fc.integer({ min: 1, max: 65535 }),
);

const endpointArb = (ip: string, rank: number) =>
  fc.record({
    id: fc.constant(rank),
    ip: fc.constant(ip),
    business_port: portArb,
    mgmt_port: portArb,
  });

const endpointsArb = fc
  .uniqueArray(fc.constantFrom(...LOOPBACK), { minLength: 1, maxLength: 2 })
  .chain((ips) =>
    fc
      .tuple(
        ...ips.map((ip) =>
          fc
            .integer({ min: 1, max: 3 })
            .chain((n) =>
              fc.tuple(
                ...Array.from({ length: n }, (_, r) => endpointArb(ip, r)),
              ),
            ),
        ),
      )
      .map((perIp) =>
        Object.fromEntries(
          ips.map((ip, i) => [
            ip,
            Object.fromEntries(perIp[i]!.map((ep) => [String(ep.id), ep])),
          ]),
        ),
      ),
  );

const instanceArb = fc.record(
  {
    id: fc.integer({ min: 0, max: 20 }),
    job_name: fc.string({ minLength: 1, maxLength: 8 }),
    model_name: fc.string({ minLength: 1, maxLength: 8 }),
    role: fc.constantFrom('prefill', 'decode', 'union', 'both', 'hybrid'),
    endpoints: endpointsArb,
    engine_type: fc.constantFrom('vllm', 'sglang', 'mindie'),
    parallel_config: fc.dictionary(
      fc.string({ maxLength: 4 }),
      fc.jsonValue(),
      {
        maxKeys: 4,
      },
    ),
  },
  { requiredKeys: ['id', 'job_name', 'model_name', 'role', 'endpoints'] },
);

const validBodyArb = fc.record({
  event: fc.constantFrom('add', 'del', 'set', 'pause', 'resume'),
  instances: fc.array(instanceArb, { maxLength: 4 }),
});

/** A path into a JSON value and a replacement for what is there. */
type Mutation = { path: number[]; replacement: unknown; drop: boolean };

function mutate(value: unknown, m: Mutation): unknown {
  if (m.path.length === 0 || typeof value !== 'object' || value === null)
    return m.drop ? undefined : m.replacement;
  const keys = Object.keys(value);
  if (keys.length === 0) return m.drop ? value : m.replacement;
  const key = keys[m.path[0]! % keys.length]!;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value)
    ? [...(value as unknown[])]
    : { ...(value as Record<string, unknown>) };
  const inner = mutate((value as Record<string, unknown>)[key], {
    ...m,
    path: m.path.slice(1),
  });
  if (inner === undefined && !Array.isArray(copy)) delete copy[key];
  else (copy as Record<string, unknown>)[key] = inner;
  return copy;
}

const mutationArb = fc.record({
  path: fc.array(fc.nat(), { maxLength: 7 }),
  replacement: fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(
      '',
      -1,
      0,
      65536,
      1.5,
      '0.0.0.0',
      '169.254.169.254',
      'fe80::1%eth0',
      '::ffff:127.0.0.1',
      '__proto__',
      'x'.repeat(2000),
      null,
      [],
      {},
    ),
  ),
  drop: fc.boolean(),
});

const bodyArb = fc.oneof(
  fc.jsonValue(),
  validBodyArb,
  fc
    .tuple(validBodyArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }))
    .map(([b, ms]) => ms.reduce<unknown>((v, m) => mutate(v, m), b)),
);

describe('POST /instances/refresh with random JSON (fast-check)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      COORDINATOR_SCRAPE_ALLOWED_CIDRS: '127.0.0.0/8,::1/128',
      COORDINATOR_REUSE_TIME: '3600',
    });
  });
  afterAll(async () => {
    await h.close();
  });

  const registry = async () =>
    JSON.stringify(
      (await request(h.mgmt).get('/instances').expect(200)).body.instances,
    );

  it('answers 200 or 4xx, and the registry changes only on 200', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(bodyArb, async (b) => {
        const before = await registry();
        const res = await request(h.mgmt)
          .post('/instances/refresh')
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(b) ?? 'null');
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect([200, 400, 413]).toContain(res.status);
        if (res.status !== 200) {
          expect(res.body.status).toBe('error');
          expect(await registry()).toBe(before);
        }
      }),
      { numRuns: 150 },
    );
    console.log(
      `statuses over 150 runs: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(', ')}`,
    );
    // The generator reaches both sides of the property.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
  });
});
