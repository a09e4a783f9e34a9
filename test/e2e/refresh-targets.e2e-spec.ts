import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { startHarness, type Harness } from '../support/app-harness.js';
import { body, instance } from '../support/refresh-bodies.js';

/**
 * Scrape target policy (issue 13). Every refused address below is in a
 * request that is rejected, so nothing but loopback is ever registered.
 */
const withIp = (id: number, ip: string, port = 20000 + id) => ({
  ...instance({ id, port }),
  endpoints: {
    [ip]: { '0': { id: 0, ip, business_port: port, mgmt_port: port } },
  },
});

const REFUSED: [string, string][] = [
  ['0.0.0.0', 'unspecified address'],
  ['::', 'unspecified address'],
  ['169.254.169.254', 'link-local address (cloud metadata)'],
  ['169.254.0.1', 'link-local address (cloud metadata)'],
  ['fe80::1', 'link-local address'],
  ['fe80::1%eth0', 'zone-scoped address'],
  ['224.0.0.1', 'multicast address'],
  ['239.255.255.250', 'multicast address'],
  ['ff02::1', 'multicast address'],
  ['255.255.255.255', 'broadcast address'],
  ['fd00:ec2::254', 'cloud metadata address (AWS)'],
  ['::ffff:169.254.169.254', 'link-local address (cloud metadata)'],
  ['::ffff:0.0.0.0', 'unspecified address'],
];

describe('scrape target policy on refresh', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  const post = (b: unknown) =>
    request(h.mgmt)
      .post('/instances/refresh')
      .send(b as object);
  const instances = async () =>
    (await request(h.mgmt).get('/instances').expect(200)).body.instances as {
      id: number;
      endpoints: Record<string, unknown>;
    }[];

  it.each(REFUSED)(
    'refuses %s (%s) with 400 naming the path',
    async (ip, reason) => {
      await post(body('set', [instance({ id: 1 })])).expect(200);
      const res = await post(body('add', [withIp(2, ip)])).expect(400);
      expect(res.body.errors).toContain(
        `instances[0].endpoints[${JSON.stringify(ip)}]: ${ip} is refused as a scrape target: ${reason}`,
      );
      expect((await instances()).map((i) => i.id)).toEqual([1]);
    },
  );

  it('stores IPv4-mapped IPv6 as IPv4 and IPv6 in its compressed form', async () => {
    await post(
      body('set', [
        withIp(1, '::ffff:127.0.0.1'),
        withIp(2, '0:0:0:0:0:0:0:1'),
      ]),
    ).expect(200);
    const list = await instances();
    expect(Object.keys(list[0]!.endpoints)).toEqual(['127.0.0.1']);
    expect(list[0]!.endpoints['127.0.0.1']).toMatchObject({
      '0': { ip: '127.0.0.1' },
    });
    expect(Object.keys(list[1]!.endpoints)).toEqual(['::1']);
  });

  it('refuses duplicate address:port endpoints within a request, naming both', async () => {
    await post(body('set', [])).expect(200);
    const res = await post(
      body('set', [
        withIp(1, '127.0.0.1', 20100),
        withIp(2, '::ffff:127.0.0.1', 20100),
      ]),
    ).expect(400);
    expect(res.body.errors).toContain(
      'instances[1].endpoints["::ffff:127.0.0.1"]["0"] and instances[0].endpoints["127.0.0.1"]["0"] both name 127.0.0.1:20100 (mgmt_port); each engine is scraped once',
    );
    const twoKeys = await post(
      body('add', [
        {
          ...instance({ id: 3 }),
          endpoints: {
            '127.0.0.1': {
              '0': {
                id: 0,
                ip: '127.0.0.1',
                business_port: 20200,
                mgmt_port: 20200,
              },
            },
            '::ffff:127.0.0.1': {
              '1': {
                id: 1,
                ip: '::ffff:127.0.0.1',
                business_port: 20201,
                mgmt_port: 20201,
              },
            },
          },
        },
      ]),
    ).expect(400);
    expect(twoKeys.body.errors).toContain(
      'instances[0].endpoints["::ffff:127.0.0.1"]: the same address as instances[0].endpoints["127.0.0.1"] (127.0.0.1); list its endpoints under one key',
    );
    // Two ranks of one instance on one address:port are a duplicate too.
    const ranks = await post(
      body('add', [
        {
          ...instance({ id: 4 }),
          endpoints: {
            '127.0.0.1': {
              '0': {
                id: 0,
                ip: '127.0.0.1',
                business_port: 1,
                mgmt_port: 20300,
              },
              '1': {
                id: 1,
                ip: '127.0.0.1',
                business_port: 2,
                mgmt_port: 20300,
              },
            },
          },
        },
      ]),
    ).expect(400);
    expect(ranks.body.errors.join('\n')).toContain('both name 127.0.0.1:20300');
    expect(await instances()).toEqual([]);
  });

  it('refuses an address:port another registered instance has, naming it; a replacement is fine', async () => {
    await post(body('set', [withIp(1, '127.0.0.1', 20400)])).expect(200);
    const res = await post(
      body('add', [withIp(2, '::ffff:127.0.0.1', 20400)]),
    ).expect(400);
    expect(res.body.message).toBe('endpoints that would be scraped twice');
    expect(res.body.errors).toEqual([
      'instance 2 endpoints["127.0.0.1"]["0"] and instance 1 endpoints["127.0.0.1"]["0"] both name 127.0.0.1:20400 (mgmt_port)',
    ]);
    expect((await instances()).map((i) => i.id)).toEqual([1]);
    // Re-adding id 1 replaces its own endpoint; a set that drops id 1 frees it.
    await post(body('add', [withIp(1, '127.0.0.1', 20400)])).expect(200);
    await post(body('set', [withIp(2, '127.0.0.1', 20400)])).expect(200);
    expect((await instances()).map((i) => i.id)).toEqual([2]);
  });
});

describe('scrape_allowed_cidrs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ COORDINATOR_SCRAPE_ALLOWED_CIDRS: '127.0.0.0/8' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('refuses addresses outside the list, with the list in the reason', async () => {
    const res = await request(h.mgmt)
      .post('/instances/refresh')
      .send(body('set', [withIp(1, '::1')]))
      .expect(400);
    expect(res.body.errors).toEqual([
      'instances[0].endpoints["::1"]: ::1 is refused as a scrape target: outside prometheus_metrics_config.scrape_allowed_cidrs (127.0.0.0/8)',
    ]);
    await request(h.mgmt)
      .post('/instances/refresh')
      .send(body('set', [withIp(1, '127.0.0.9')]))
      .expect(200);
  });
});

describe('scrapes never follow redirects', () => {
  let h: Harness;
  let redirecting: Server;
  let target: Server;
  let targetHits = 0;
  beforeAll(async () => {
    target = createServer((_req, res) => {
      targetHits++;
      res.end('# TYPE x counter\nx_total 1\n');
    });
    target.listen(0, '127.0.0.1');
    await once(target, 'listening');
    const targetPort = (target.address() as AddressInfo).port;
    redirecting = createServer((_req, res) => {
      res.statusCode = 302;
      res.setHeader('Location', `http://127.0.0.1:${targetPort}/metrics`);
      res.end();
    });
    redirecting.listen(0, '127.0.0.1');
    await once(redirecting, 'listening');
    h = await startHarness({ COORDINATOR_REUSE_TIME: '0.3' });
  });
  afterAll(async () => {
    await h.close();
    redirecting.close();
    target.close();
  });

  it('a 302 is a failed scrape and its Location is never fetched', async () => {
    const port = (redirecting.address() as AddressInfo).port;
    await request(h.mgmt)
      .post('/instances/refresh')
      .send(body('set', [instance({ id: 1, role: 'union', port })]))
      .expect(200);
    let scrape: { up: boolean; last_error: string | null } | null = null;
    for (let i = 0; i < 200 && scrape === null; i++) {
      const list = (await request(h.mgmt).get('/instances').expect(200)).body;
      scrape = list.instances[0].endpoints['127.0.0.1']['0'].scrape;
      if (scrape === null) await new Promise((r) => setTimeout(r, 50));
    }
    expect(scrape).not.toBeNull();
    expect(scrape!.up).toBe(false);
    expect(scrape!.last_error).toMatch(/302/);
    expect(targetHits).toBe(0);
  });
});
