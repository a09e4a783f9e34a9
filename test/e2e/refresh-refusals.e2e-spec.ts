import request from 'supertest';
import { startHarness, type Harness } from '../support/app-harness.js';
import {
  body,
  ep,
  instance,
  withEndpoints,
} from '../support/refresh-bodies.js';
import { BAD, good } from '../support/refresh-refusals.js';

/**
 * POST /instances/refresh refuses every bad body (the table in
 * test/support/refresh-refusals.ts), a non-object instance, and bodies over
 * 10 MiB, naming what is wrong and changing nothing.
 */

describe('POST /instances/refresh (SPEC §2)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const post = (b: unknown, headers: Record<string, string> = {}) =>
    request(h.mgmt)
      .post('/instances/refresh')
      .set(headers)
      .send(b as object);
  const list = async () =>
    (await request(h.mgmt).get('/instances').expect(200)).body;
  /** The registry as refreshes leave it: without the scrape status, which each cycle updates. */
  const registered = async () =>
    JSON.parse(
      JSON.stringify(await list(), (key, value: unknown) =>
        key === 'scrape' ? undefined : value,
      ),
    ) as unknown;

  it.each(BAD)('refuses $name with $status and changes nothing', async (c) => {
    await post(
      body('set', [
        instance({ id: 10, role: 'prefill' }),
        instance({ id: 11, role: 'decode' }),
      ]),
    ).expect(200);
    const before = await registered();
    let req = request(h.mgmt).post('/instances/refresh');
    if ('json' in c.send)
      req = req
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(c.send.json));
    else {
      if (c.send.type) req = req.set('Content-Type', c.send.type);
      else req = req.unset('Content-Type');
      req = req.send(c.send.raw);
    }
    const res = await req;
    expect(res.status).toBe(c.status);
    expect(res.body.status).toBe('error');
    expect(JSON.stringify(res.body)).toContain(c.mentions);
    expect(await registered()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([[[]], [null], [7], ['x']])(
    'answers 400, never 500, to an instance that is not an object (%j)',
    async (item) => {
      const before = await registered();
      const res = await post({ event: 'add', instances: [good, item] }).expect(
        400,
      );
      expect(res.body.errors).toEqual(['instances[1]: must be an object']);
      expect(await registered()).toEqual(before);
    },
  );

  it('names every offending path in one answer', async () => {
    const res = await post(
      body('add', [
        { ...good, role: 'x', job_name: '' },
        withEndpoints({ '127.0.0.1': { '0': ep('127.0.0.2', 0, 0) } }),
      ]),
    ).expect(400);
    const errors = res.body.errors as string[];
    expect(errors.some((e) => e.startsWith('instances[0].role:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('instances[0].job_name:'))).toBe(
      true,
    );
    const endpointsError = errors.find((e) =>
      e.startsWith('instances[1].endpoints:'),
    );
    expect(endpointsError).toContain('.ip must equal its key');
    expect(endpointsError).toContain('.business_port must be');
    expect(endpointsError).toContain('.mgmt_port must be');
  });

  it('refuses 10 MiB + 1 byte with 413 and changes nothing', async () => {
    const before = await registered();
    const limit = 10 * 1024 * 1024;
    const prefix = '{"event":"add","instances":[],"pad":"';
    const suffix = '"}';
    const payload =
      prefix + 'x'.repeat(limit + 1 - prefix.length - suffix.length) + suffix;
    expect(Buffer.byteLength(payload)).toBe(limit + 1);
    const res = await request(h.mgmt)
      .post('/instances/refresh')
      .set('Content-Type', 'application/json')
      .send(payload);
    expect(res.status).toBe(413);
    expect(res.body.message).toContain('10 MiB');
    expect(await registered()).toEqual(before);
  });

  it('accepts exactly 10 MiB', async () => {
    const limit = 10 * 1024 * 1024;
    const prefix = '{"event":"del","instances":[],"pad":"';
    const suffix = '"}';
    const payload =
      prefix + 'x'.repeat(limit - prefix.length - suffix.length) + suffix;
    await request(h.mgmt)
      .post('/instances/refresh')
      .set('Content-Type', 'application/json')
      .send(payload)
      .expect(200);
  });

  it('refuses an oversize body from chunked transfer (no Content-Length) with 413', async () => {
    const { request: httpRequest } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${h.mgmt}/instances/refresh`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Transfer-Encoding': 'chunked',
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = 'x'.repeat(1024 * 1024);
      req.write('{"event":"add","instances":[],"pad":"');
      let i = 0;
      const pump = () => {
        while (i < 11) {
          i++;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end('"}');
      };
      pump();
    });
    expect(status).toBe(413);
  });
});
