import request from 'supertest';
import { startHarness, type Harness } from '../support/app-harness.js';
import { body, ep, instance } from '../support/refresh-bodies.js';

/**
 * POST /instances/refresh accepts the seed body and applies each event (add,
 * del, set, pause, resume) to the registry, normalizing roles and ports.
 */

const good = instance({ id: 1 });

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
