import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startHarness, type Harness } from '../support/app-harness.js';

/** A self-signed certificate for 127.0.0.1, made with the system's openssl. */
function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

describe('TLS on both ports (mgmt_tls_config)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'motor-tls-'));
  const server = selfSigned(dir, 'coordinator');
  const client = selfSigned(dir, 'controller');
  let h: Harness;

  afterEach(async () => {
    await h?.close();
  });

  it('serves https on the management and observability ports', async () => {
    h = await startHarness({
      COORDINATOR_TLS_ENABLE: 'true',
      COORDINATOR_TLS_CERT: server.cert,
      COORDINATOR_TLS_KEY: server.key,
    });
    expect(h.mgmt).toMatch(/^https:\/\//);
    expect(h.obs).toMatch(/^https:\/\//);
    const ca = readFileSync(server.cert);
    const res = await request(h.mgmt).get('/liveness').ca(ca).expect(200);
    expect(res.body.status).toBe('ok');
    await request(h.obs).get('/health').ca(ca).expect(200);
  });

  it('with ca_cert: probes answer without a client certificate, every other route needs one the CA signed', async () => {
    h = await startHarness({
      COORDINATOR_TLS_ENABLE: 'true',
      COORDINATOR_TLS_CERT: server.cert,
      COORDINATOR_TLS_KEY: server.key,
      COORDINATOR_TLS_CA_CERT: client.cert,
    });
    const ca = readFileSync(server.cert);
    // kubelet probes carry no certificate.
    for (const probe of ['/startup', '/liveness', '/readiness']) {
      await request(h.mgmt).get(probe).ca(ca).expect(200);
    }
    await request(h.obs).get('/health').ca(ca).expect(200);
    // Everything else: 401 without a certificate, or with one the CA did not sign.
    const stranger = selfSigned(dir, 'stranger');
    for (const [base, path] of [
      [h.mgmt, '/instances'],
      [h.mgmt, '/'],
      [h.mgmt, '/docs-json'],
      [h.obs, '/metrics'],
      [h.obs, '/'],
    ] as const) {
      const bare = await request(base).get(path).ca(ca);
      expect(bare.status).toBe(401);
      expect(bare.body.message).toContain('client certificate');
      await request(base)
        .get(path)
        .ca(ca)
        .cert(readFileSync(stranger.cert))
        .key(readFileSync(stranger.key))
        .expect(401);
    }
    const refused = await request(h.mgmt)
      .post('/instances/refresh')
      .ca(ca)
      .send({ event: 'set', instances: [] });
    expect(refused.status).toBe(401);
    const withCert = (r: request.Test) =>
      r.ca(ca).cert(readFileSync(client.cert)).key(readFileSync(client.key));
    const res = await withCert(request(h.mgmt).get('/liveness')).expect(200);
    expect(res.body.message).toBe('Coordinator is alive');
    await withCert(request(h.mgmt).get('/instances')).expect(200);
    await withCert(
      request(h.mgmt)
        .post('/instances/refresh')
        .send({ event: 'set', instances: [] }),
    ).expect(200);
    await withCert(request(h.obs).get('/metrics')).expect(200);
  });
});
