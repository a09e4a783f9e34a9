import request from 'supertest';
import { startHarness, type Harness } from '../support/app-harness.js';
import { body, instance } from '../support/refresh-bodies.js';

const TOKEN = 'metrics-t0ken';

describe('GET /metrics with a bearer token configured', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ COORDINATOR_METRICS_BEARER_TOKEN: TOKEN });
  });
  afterAll(() => h?.close());

  it('answers 401 without the token or with another one', async () => {
    for (const auth of [undefined, 'Bearer wrong', `Basic ${TOKEN}`, TOKEN]) {
      const req = request(h.obs).get('/metrics');
      if (auth !== undefined) void req.set('Authorization', auth);
      const res = await req.expect(401);
      expect(res.body).toEqual({
        status: 'error',
        message: 'missing or wrong bearer token',
      });
    }
  });

  it('checks the token before the query', async () => {
    await request(h.obs).get('/metrics?format=xml').expect(401);
  });

  it('serves the metrics with the token, any case of the scheme', async () => {
    for (const scheme of ['Bearer', 'bearer']) {
      const res = await request(h.obs)
        .get('/metrics')
        .set('Authorization', `${scheme} ${TOKEN}`)
        .expect(200);
      expect(res.text).toContain('motor_coordinator_');
    }
    const bad = await request(h.obs)
      .get('/metrics?type=role&role=router')
      .set('Authorization', `Bearer ${TOKEN}`)
      .expect(400);
    expect(bad.body.message).toBe('role must be one of prefill, decode, union');
    // role is ignored with another type
    await request(h.obs)
      .get('/metrics?type=dp&role=router')
      .set('Authorization', `Bearer ${TOKEN}`)
      .expect(200);
  });

  it('leaves health, index and docs open', async () => {
    await request(h.obs).get('/health').expect(200);
    await request(h.obs).get('/').expect(200);
    await request(h.obs).get('/docs-json').expect(200);
  });
});

describe('management API key, checked before the body is read', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ COORDINATOR_MGMT_API_KEY: 'k3y' });
  });
  afterAll(() => h?.close());

  it('answers 401 to a bad body without a key, 400 with the key', async () => {
    const bad = '{"event": "add", "instances": [';
    const anon = await request(h.mgmt)
      .post('/instances/refresh')
      .set('Content-Type', 'application/json')
      .send(bad)
      .expect(401);
    expect(anon.body.message).toContain('X-API-Key');
    await request(h.mgmt)
      .post('/instances/refresh')
      .set('Content-Type', 'text/plain')
      .send('x')
      .expect(401);
    await request(h.mgmt)
      .post('/instances/refresh')
      .set('X-API-Key', 'k3y')
      .set('Content-Type', 'application/json')
      .send(bad)
      .expect(400);
    await request(h.mgmt)
      .post('/instances/refresh')
      .set('Authorization', 'Bearer k3y')
      .send({ event: 'set', instances: [] })
      .expect(200);
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
