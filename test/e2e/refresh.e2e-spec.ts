import request from 'supertest';
import { startHarness, type Harness } from '../support/app-harness.js';
import { body, instance } from '../support/refresh-bodies.js';
import { spawnService } from '../support/spawn-service.js';

const ep = (ip: string, id: number, port: unknown = '9') => ({
  id,
  ip,
  business_port: port,
  mgmt_port: port,
});
const withEndpoints = (endpoints: unknown) => ({
  ...instance({ id: 7 }),
  endpoints,
});
const good = instance({ id: 1 });

/** Each case: a body that must be refused with `status`, naming `mentions`. */
interface BadCase {
  name: string;
  send: { raw: string; type?: string } | { json: unknown };
  status: number;
  mentions: string;
}

const json = (value: unknown) => ({ json: value });
const raw = (text: string, type = 'application/json') => ({ raw: text, type });

const BAD: BadCase[] = [
  { name: 'empty body', send: raw(''), status: 400, mentions: 'event' },
  {
    name: 'not JSON',
    send: raw('{"event": "add",'),
    status: 400,
    mentions: 'not valid JSON',
  },
  { name: 'JSON null', send: raw('null'), status: 400, mentions: 'event' },
  { name: 'JSON string', send: raw('"add"'), status: 400, mentions: 'event' },
  { name: 'JSON number', send: raw('42'), status: 400, mentions: 'event' },
  {
    name: 'top-level array',
    send: json([good]),
    status: 400,
    mentions: 'event',
  },
  {
    name: 'no event',
    send: json({ instances: [good] }),
    status: 400,
    mentions: 'event must be one of',
  },
  {
    name: 'unknown event',
    send: json(body('upsert', [good])),
    status: 400,
    mentions: 'event must be one of add, del, set, pause, resume',
  },
  {
    name: 'event not a string',
    send: json(body(1 as unknown as string, [good])),
    status: 400,
    mentions: 'event',
  },
  {
    name: 'no instances',
    send: json({ event: 'add' }),
    status: 400,
    mentions: 'instances must be an array',
  },
  {
    name: 'instances is an object',
    send: json({ event: 'add', instances: good }),
    status: 400,
    mentions: 'instances must be an array',
  },
  {
    name: 'instance is a number',
    send: json(body('add', [1])),
    status: 400,
    mentions: 'instances[0]',
  },
  {
    name: 'id missing',
    send: json(body('add', [{ ...good, id: undefined }])),
    status: 400,
    mentions: 'instances[0].id',
  },
  {
    name: 'id negative',
    send: json(body('add', [{ ...good, id: -1 }])),
    status: 400,
    mentions: 'instances[0].id: id must be an integer ≥ 0',
  },
  {
    name: 'id fractional',
    send: json(body('add', [{ ...good, id: 1.5 }])),
    status: 400,
    mentions: 'instances[0].id',
  },
  {
    name: 'id as string',
    send: json(body('add', [{ ...good, id: '1' }])),
    status: 400,
    mentions: 'instances[0].id',
  },
  {
    name: 'duplicate ids',
    send: json(body('add', [good, instance({ id: 1, role: 'decode' })])),
    status: 400,
    mentions: 'unique ids; repeated: 1',
  },
  {
    name: 'del with a bad id',
    send: json(body('del', [{ id: 'x' }])),
    status: 400,
    mentions: 'instances[0].id',
  },
  {
    name: 'unknown role',
    send: json(body('add', [{ ...good, role: 'router' }])),
    status: 400,
    mentions: 'role must be one of prefill, decode, union, both, hybrid',
  },
  {
    name: 'role not a string',
    send: json(body('add', [{ ...good, role: 3 }])),
    status: 400,
    mentions: 'instances[0].role',
  },
  {
    name: 'empty job_name',
    send: json(body('add', [{ ...good, job_name: '' }])),
    status: 400,
    mentions: 'instances[0].job_name',
  },
  {
    name: 'model_name missing',
    send: json(body('add', [{ ...good, model_name: undefined }])),
    status: 400,
    mentions: 'instances[0].model_name',
  },
  {
    name: 'endpoints missing',
    send: json(body('add', [{ ...good, endpoints: undefined }])),
    status: 400,
    mentions: 'instances[0].endpoints',
  },
  {
    name: 'endpoints is an array',
    send: json(body('add', [withEndpoints([ep('127.0.0.1', 0)])])),
    status: 400,
    mentions: 'instances[0].endpoints',
  },
  {
    name: 'endpoints empty',
    send: json(body('add', [withEndpoints({})])),
    status: 400,
    mentions: 'at least one IP',
  },
  {
    name: 'bad IP key',
    send: json(
      body('add', [withEndpoints({ '127.0.0': { '0': ep('127.0.0', 0) } })]),
    ),
    status: 400,
    mentions: 'key must be an IPv4 or IPv6 address',
  },
  {
    name: 'host name as IP key',
    send: json(
      body('add', [withEndpoints({ localhost: { '0': ep('localhost', 0) } })]),
    ),
    status: 400,
    mentions: 'IPv4 or IPv6',
  },
  {
    name: 'ip mismatching its key',
    send: json(
      body('add', [
        withEndpoints({ '127.0.0.1': { '0': ep('127.0.0.2', 0) } }),
      ]),
    ),
    status: 400,
    mentions: '.ip must equal its key',
  },
  {
    name: 'id mismatching its key',
    send: json(
      body('add', [
        withEndpoints({ '127.0.0.1': { '0': ep('127.0.0.1', 1) } }),
      ]),
    ),
    status: 400,
    mentions: '.id must be the integer 0 (it must match its key)',
  },
  {
    name: 'non-decimal rank key',
    send: json(
      body('add', [withEndpoints({ '127.0.0.1': { a: ep('127.0.0.1', 0) } })]),
    ),
    status: 400,
    mentions: 'decimal endpoint id',
  },
  {
    name: 'port 0',
    send: json(
      body('add', [
        withEndpoints({ '127.0.0.1': { '0': ep('127.0.0.1', 0, 0) } }),
      ]),
    ),
    status: 400,
    mentions: 'mgmt_port must be an integer or decimal string in 1..65535',
  },
  {
    name: 'port 65536',
    send: json(
      body('add', [
        withEndpoints({ '127.0.0.1': { '0': ep('127.0.0.1', 0, '65536') } }),
      ]),
    ),
    status: 400,
    mentions: 'business_port',
  },
  {
    name: 'port not decimal',
    send: json(
      body('add', [
        withEndpoints({ '127.0.0.1': { '0': ep('127.0.0.1', 0, '0x50') } }),
      ]),
    ),
    status: 400,
    mentions: 'mgmt_port',
  },
  {
    name: 'endpoint not an object',
    send: json(body('add', [withEndpoints({ '127.0.0.1': { '0': 'x' } })])),
    status: 400,
    mentions: 'must be an object {id, ip, business_port, mgmt_port}',
  },
  {
    name: 'IP with no endpoints',
    send: json(body('add', [withEndpoints({ '127.0.0.1': {} })])),
    status: 400,
    mentions: 'at least one endpoint',
  },
  {
    name: '__proto__ key at the top',
    send: raw('{"event":"add","instances":[],"__proto__":{"polluted":true}}'),
    status: 400,
    mentions: '__proto__',
  },
  {
    name: '__proto__ key inside an instance',
    send: raw(
      JSON.stringify(body('add', [good])).replace(
        '"job_name"',
        '"__proto__":{"role":"union"},"job_name"',
      ),
    ),
    status: 400,
    mentions: 'instances.0.__proto__',
  },
  {
    name: 'constructor key in endpoints',
    send: raw(
      JSON.stringify(body('add', [good])).replace(
        '"127.0.0.1":{',
        '"constructor":{"prototype":{}},"127.0.0.1":{',
      ),
    ),
    status: 400,
    mentions: 'constructor',
  },
  {
    name: 'one bad instance among good ones',
    send: json(
      body('set', [
        good,
        instance({ id: 2, role: 'decode' }),
        { ...instance({ id: 3 }), role: 'x' },
      ]),
    ),
    status: 400,
    mentions: 'instances[2].role',
  },
  {
    name: 'form-encoded body',
    send: raw('event=add&instances=1', 'application/x-www-form-urlencoded'),
    status: 415,
    mentions: 'must be JSON',
  },
  {
    name: 'text/plain body',
    send: raw(JSON.stringify(body('add', [good])), 'text/plain'),
    status: 415,
    mentions: 'must be JSON',
  },
  {
    name: 'no content type',
    send: raw(JSON.stringify(body('add', [good])), ''),
    status: 415,
    mentions: 'must be JSON',
  },
];

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

  it('answers the seed body, echoing X-Request-Id', async () => {
    const res = await post(body('add', [good]), {
      'X-Request-Id': 'req-42',
    }).expect(200);
    expect(Object.keys(res.body)).toEqual([
      'request_id',
      'status',
      'message',
      'data',
    ]);
    expect(res.body).toMatchObject({
      request_id: 'req-42',
      status: 'success',
      message: 'Instance refresh completed',
      data: { event_type: 'add', instance_count: 1 },
    });
    expect(Object.keys(res.body.data)).toEqual([
      'timestamp',
      'event_type',
      'instance_count',
    ]);
    expect(res.body.data.timestamp).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)$/,
    );
    const plain = await post(body('del', [{ id: 99 }, { id: 98 }])).expect(200);
    expect(plain.body.request_id).toBe('refresh_request');
    expect(plain.body.data).toMatchObject({
      event_type: 'del',
      instance_count: 2,
    });
  });

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

  it('normalizes roles and ports and keeps upstream fields', async () => {
    await post(
      body('set', [
        instance({
          id: 5,
          port: 9,
          role: 'both',
          engine_type: 'vllm',
          parallel_config: { dp: 2 },
          status: 'normal',
        }),
        {
          ...instance({ id: 6, role: 'hybrid' }),
          endpoints: { '::1': { '0': ep('::1', 0, 8080) } },
        },
      ]),
    ).expect(200);
    const { instances } = await list();
    expect(instances).toHaveLength(2);
    expect(instances[0]).toMatchObject({
      id: 5,
      role: 'union',
      status: 'active',
      engine_type: 'vllm',
      parallel_config: { dp: 2 },
      upstream_status: 'normal',
      job_name: 'test-job',
      model_name: 'test-model',
    });
    expect(instances[0].endpoints['127.0.0.1']['0']).toMatchObject({
      id: 0,
      ip: '127.0.0.1',
      business_port: 9,
      mgmt_port: 9,
    });
    expect(instances[1]).toMatchObject({ id: 6, role: 'union' });
    expect(instances[1].endpoints['::1']['0'].mgmt_port).toBe(8080);
  });

  it('add replaces a known id, del ignores unknown ids, set is idempotent', async () => {
    await post(
      body('set', [
        instance({ id: 1, ranks: 2 }),
        instance({ id: 2, role: 'decode' }),
      ]),
    ).expect(200);
    await post(
      body('add', [instance({ id: 1, ip: '127.0.0.3', ranks: 1 })]),
    ).expect(200);
    let { instances } = await list();
    expect(Object.keys(instances[0].endpoints)).toEqual(['127.0.0.3']);
    expect(Object.keys(instances[0].endpoints['127.0.0.3'])).toEqual(['0']);
    await post(body('del', [{ id: 2 }, { id: 404 }])).expect(200);
    ({ instances } = await list());
    expect(instances.map((i: { id: number }) => i.id)).toEqual([1]);
    const setBody = body('set', [
      instance({ id: 3, role: 'decode' }),
      instance({ id: 4 }),
    ]);
    await post(setBody).expect(200);
    const once = await list();
    await post(setBody).expect(200);
    expect(await list()).toEqual(once);
    expect(once.instances.map((i: { id: number }) => i.id)).toEqual([3, 4]);
  });

  it('pause and resume keep the instance listed and change only its status', async () => {
    await post(body('set', [instance({ id: 1, role: 'union' })])).expect(200);
    await post(body('pause', [{ id: 1 }, { id: 77 }])).expect(200);
    let { instances } = await list();
    expect(instances).toHaveLength(1);
    expect(instances[0].status).toBe('paused');
    // A re-pushed definition does not silently resume a paused instance.
    await post(body('add', [instance({ id: 1, role: 'union' })])).expect(200);
    ({ instances } = await list());
    expect(instances[0].status).toBe('paused');
    await post(body('resume', [{ id: 1 }])).expect(200);
    ({ instances } = await list());
    expect(instances[0].status).toBe('active');
  });
});

describe('management API key', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ COORDINATOR_MGMT_API_KEY: 's3cret-key' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('is required on refresh and list, never on probes', async () => {
    const b = body('set', [instance({ id: 1, role: 'union' })]);
    const missing = await request(h.mgmt)
      .post('/instances/refresh')
      .send(b)
      .expect(401);
    expect(missing.body.message).toContain('X-API-Key');
    expect(JSON.stringify(missing.body)).not.toContain('s3cret');
    await request(h.mgmt)
      .post('/instances/refresh')
      .set('X-API-Key', 'wrong')
      .send(b)
      .expect(401);
    await request(h.mgmt).get('/instances').expect(401);
    await request(h.mgmt)
      .post('/instances/refresh')
      .set('X-API-Key', 's3cret-key')
      .send(b)
      .expect(200);
    await request(h.mgmt)
      .get('/instances')
      .set('Authorization', 'Bearer s3cret-key')
      .expect(200);
    for (const probe of ['/startup', '/liveness', '/readiness']) {
      await request(h.mgmt).get(probe).expect(200);
    }
    const ready = await request(h.mgmt).get('/readiness').expect(200);
    expect(ready.body.ready).toBe(true);
  });
});

describe('single mode', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('GET / of the management port says the registry lives in memory only', async () => {
    const res = await request(h.mgmt).get('/').expect(200);
    expect(res.body.registry).toBe('memory (lost on restart)');
    expect(res.body.service).toBe('Motor Coordinator Management Server');
  });
});

describe('single mode, the real process', () => {
  it('says at start-up that the registry lives in memory only', async () => {
    const svc = spawnService([], {
      COORDINATOR_API_MGMT_PORT: '0',
      COORDINATOR_OBS_PORT: '0',
    });
    try {
      const [line] = await svc.waitForLine(/management on .*\n/);
      expect(line).toContain('registry: memory (lost on restart)');
    } finally {
      svc.child.kill('SIGKILL');
      await svc.exited;
    }
  });
});
