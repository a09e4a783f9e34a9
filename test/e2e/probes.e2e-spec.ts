import request from 'supertest';
import { MANAGEMENT_ROUTES } from '../../src/management/index.controller.js';
import { OBSERVABILITY_ROUTES } from '../../src/observability/index.controller.js';
import { startHarness, type Harness } from '../support/app-harness.js';
import { body, instance } from '../support/refresh-bodies.js';

describe('management probes (SPEC §2)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const refresh = (b: unknown) =>
    request(h.mgmt)
      .post('/instances/refresh')
      .send(b as object)
      .expect(200);
  const readiness = () => request(h.mgmt).get('/readiness');

  it('GET /startup answers the seed body once bootstrap is done', async () => {
    const res = await request(h.mgmt).get('/startup').expect(200);
    expect(res.text).toBe(
      '{"status":"ok","message":"Coordinator is starting up"}',
    );
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('GET /liveness answers the seed body', async () => {
    const res = await request(h.mgmt).get('/liveness').expect(200);
    expect(res.text).toBe('{"status":"ok","message":"Coordinator is alive"}');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('readiness follows the registry: P+D or union, paused excluded', async () => {
    const ready = async (expected: boolean) => {
      const res = await readiness().expect(200);
      expect(res.text).toBe(
        `{"status":"ok","message":"Coordinator is ok","ready":${expected}}`,
      );
      expect(res.headers['cache-control']).toBe('no-store');
    };
    await ready(false);
    await refresh(body('add', [instance({ id: 1, role: 'prefill' })]));
    await ready(false);
    await refresh(body('add', [instance({ id: 2, role: 'decode' })]));
    await ready(true);
    await refresh(body('del', [{ id: 1 }]));
    await ready(false);
    await refresh(body('set', [instance({ id: 3, role: 'both' })]));
    await ready(true);
    await refresh(body('pause', [{ id: 3 }]));
    await ready(false);
    await refresh(body('resume', [{ id: 3 }]));
    await ready(true);
    await refresh(
      body('set', [
        instance({ id: 4, role: 'hybrid' }),
        instance({ id: 5, role: 'decode' }),
      ]),
    );
    await ready(true);
    await refresh(body('set', []));
    await ready(false);
    await refresh(
      body('set', [
        instance({ id: 6, role: 'prefill' }),
        instance({ id: 7, role: 'decode' }),
      ]),
    );
    await ready(true);
    await refresh(body('pause', [{ id: 7 }]));
    await ready(false);
  });

  it('GET / lists every route of the management port, and each exists', async () => {
    const res = await request(h.mgmt).get('/').expect(200);
    expect(res.body.service).toBe('Motor Coordinator Management Server');
    expect(res.body.description).toBe(
      'Management plane: liveness, startup, readiness, instance refresh',
    );
    expect(typeof res.body.version).toBe('string');
    expect(new Date(res.body.timestamp).toISOString()).toBe(res.body.timestamp);
    expect(res.body.endpoints).toEqual(MANAGEMENT_ROUTES);
    expect(Object.keys(res.body.endpoints).slice(0, 4)).toEqual([
      'GET /liveness',
      'GET /startup',
      'GET /readiness',
      'POST /instances/refresh',
    ]);
    for (const route of Object.keys(MANAGEMENT_ROUTES)) {
      const [method, path] = route.split(' ') as [string, string];
      const r =
        method === 'POST'
          ? await request(h.mgmt).post(path).send(body('del', []))
          : await request(h.mgmt).get(path);
      expect(r.status, route).not.toBe(404);
    }
  });

  it('the OpenAPI document of each port lists exactly its index routes', async () => {
    const paths = async (base: string) =>
      Object.entries(
        (await request(base).get('/docs-json').expect(200)).body
          .paths as Record<string, Record<string, unknown>>,
      ).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
      );
    const withoutDocs = (routes: Record<string, string>) =>
      Object.keys(routes)
        .filter((r) => r !== 'GET /docs')
        .sort();
    expect((await paths(h.mgmt)).sort()).toEqual(
      withoutDocs(MANAGEMENT_ROUTES),
    );
    expect((await paths(h.obs)).sort()).toEqual(
      withoutDocs(OBSERVABILITY_ROUTES),
    );
    const ui = await request(h.mgmt).get('/docs').expect(200);
    expect(ui.text).toContain('swagger-ui');
  });

  it('observability index, health and the deprecated route', async () => {
    const idx = await request(h.obs).get('/').expect(200);
    expect(idx.body.service).toBe('Motor Coordinator Observability Server');
    expect(idx.body.endpoints).toEqual(OBSERVABILITY_ROUTES);
    const health = await request(h.obs).get('/health').expect(200);
    expect(Object.keys(health.body)).toEqual(['status', 'timestamp']);
    expect(health.body.status).toBe('ok');
    const gone = await request(h.obs).get('/instance/metrics').expect(410);
    expect(gone.headers['content-type']).toMatch(/^text\/plain/);
    expect(gone.text).toBe(
      '# /instance/metrics is deprecated. Use GET /metrics?type=instance instead.',
    );
  });

  it('unknown routes get a JSON 404', async () => {
    const res = await request(h.mgmt).get('/nope').expect(404);
    expect(res.body.status).toBe('error');
  });
});

describe('probes around the lifecycle', () => {
  it('startup and readiness are 503 before bootstrap, liveness is 200', async () => {
    const h = await startHarness({}, { listen: false });
    try {
      const server = h.apps.management.getHttpServer();
      await h.apps.management.listen(0, '127.0.0.1');
      const startup = await request(server).get('/startup').expect(503);
      expect(startup.body.status).toBe('error');
      expect(typeof startup.body.message).toBe('string');
      const ready = await request(server).get('/readiness').expect(503);
      expect(ready.body).toMatchObject({ status: 'error', ready: false });
      await request(server).get('/liveness').expect(200);
    } finally {
      await h.apps.management.close();
      await h.apps.observability.close();
      await h.apps.core.close();
    }
  });

  it('readiness is 503 "Coordinator is shutting down" while draining', async () => {
    const h = await startHarness();
    try {
      await request(h.mgmt)
        .post('/instances/refresh')
        .send(body('set', [instance({ id: 1, role: 'union' })]))
        .expect(200);
      h.apps.handles.lifecycle.beginDrain();
      const res = await request(h.mgmt).get('/readiness').expect(503);
      expect(res.text).toBe(
        '{"status":"error","message":"Coordinator is shutting down","ready":false}',
      );
      await request(h.mgmt).get('/liveness').expect(200);
    } finally {
      await h.close();
    }
  });
  it('/health is 503 once the scrape loop has stopped', async () => {
    const h = await startHarness();
    try {
      await request(h.obs).get('/health').expect(200);
      await h.apps.handles.scheduler.stop();
      const res = await request(h.obs).get('/health').expect(503);
      expect(res.body).toMatchObject({
        status: 'error',
        message: 'scrape loop stopped',
      });
      expect(new Date(res.body.timestamp).toISOString()).toBe(
        res.body.timestamp,
      );
    } finally {
      await h.close();
    }
  });
});
