import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { startHarness, type Harness } from '../support/app-harness.js';
import { one, samplesOf } from '../support/exposition.js';
import { instance } from '../support/refresh-bodies.js';

/**
 * Hostile pages from real HTTP engines (SPEC §4, issue 13 item 1): a page over a
 * page budget takes its endpoint down with the reason as `last_error`; the healthy
 * engines stay exact; the coordinator's own namespaces never come from an engine.
 */

interface Engine {
  body: string;
  server: Server;
  port: number;
}

async function startEngine(ip: string, body: string): Promise<Engine> {
  const engine = { body } as Engine;
  engine.server = createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    res.end(engine.body);
  });
  await new Promise<void>((resolve) => engine.server.listen(0, ip, resolve));
  engine.port = (engine.server.address() as AddressInfo).port;
  return engine;
}

const good = (running: number) =>
  `# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name="m"} ${running}\n`;
const manyLabels = `x{${Array.from({ length: 100_000 }, (_, i) => `l${i}="v"`).join(',')}} 1\n`;
const manyBuckets =
  '# TYPE h histogram\n' +
  Array.from({ length: 50_000 }, (_, i) => `h_bucket{le="${i}"} ${i}`).join(
    '\n',
  ) +
  '\nh_bucket{le="+Inf"} 50000\nh_sum 1\nh_count 50000\n';

describe.each([
  { mode: 'inline', worker: 'false' },
  { mode: 'worker thread', worker: 'true' },
])('page budgets over live engines, pipeline $mode', ({ worker }) => {
  let h: Harness;
  const engines: Engine[] = [];
  const ips = ['127.0.0.2', '127.0.0.3'];

  const cycle = () => h.apps.handles.scheduler.nextCycle();
  const scrapeState = async (id: number, ip: string) => {
    const list = (await request(h.mgmt).get('/instances').expect(200)).body
      .instances as {
      id: number;
      endpoints: Record<
        string,
        Record<string, { scrape: { up: boolean; last_error: string | null } }>
      >;
    }[];
    return list.find((i) => i.id === id)!.endpoints[ip]!['0']!.scrape;
  };
  const full = async () =>
    samplesOf((await request(h.obs).get('/metrics').expect(200)).text);

  beforeAll(async () => {
    for (const [i, ip] of ips.entries())
      engines.push(await startEngine(ip, good(i + 2)));
    h = await startHarness({
      // 1 s cycles, so a 0.8 s scrape timeout: the good engine's page must not
      // time out while a loaded thread is still rejecting the hostile one.
      COORDINATOR_REUSE_TIME: '1',
      COORDINATOR_STALE_AFTER: '600',
      COORDINATOR_DIGEST_IN_WORKER: worker,
    });
    await request(h.mgmt)
      .post('/instances/refresh')
      .send({
        event: 'set',
        instances: engines.map((e, i) =>
          instance({
            id: i + 1,
            role: 'decode',
            ip: ips[i]!,
            port: e.port,
            job_name: 'e2e',
            model_name: 'm',
          }),
        ),
      })
      .expect(200);
    await cycle();
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all(
      engines.map((e) => {
        e.server.closeAllConnections();
        return new Promise((r) => e.server.close(r));
      }),
    );
  });

  it.each([
    [
      '100,000 labels',
      manyLabels,
      'page budget: 100000 labels in a series of x > max_labels_per_series 128',
    ],
    [
      '50,000 buckets',
      manyBuckets,
      'page budget: 1025 buckets (distinct le) in histogram h > max_buckets_per_histogram 1024',
    ],
  ])(
    'a page with %s takes its endpoint down, the other stays exact',
    async (_, hostile, reason) => {
      engines[0]!.body = good(2);
      engines[1]!.body = good(3);
      await cycle();
      expect(one(await full(), 'vllm:num_requests_running')).toBe(5);

      engines[0]!.body = good(100) + hostile;
      engines[1]!.body = good(4);
      await cycle();
      expect(await scrapeState(1, ips[0]!)).toMatchObject({
        up: false,
        last_error: reason,
      });
      expect(await scrapeState(2, ips[1]!)).toMatchObject({
        up: true,
        last_error: null,
      });
      // The rejected endpoint keeps its last good value (2, not 100) next to the live 4.
      expect(one(await full(), 'vllm:num_requests_running')).toBe(6);

      engines[0]!.body = good(7);
      await cycle();
      expect(await scrapeState(1, ips[0]!)).toMatchObject({
        up: true,
        last_error: null,
      });
      expect(one(await full(), 'vllm:num_requests_running')).toBe(11);
    },
  );

  it('never takes the coordinator’s own namespaces from an engine', async () => {
    engines[0]!.body =
      good(2) +
      '# TYPE motor:endpoints_scraped gauge\nmotor:endpoints_scraped 99\n' +
      '# TYPE motor_coordinator_injected_total counter\nmotor_coordinator_injected_total 99\n' +
      'vllm:num_requests_waiting{__name__="other",model_name="m"} 99\n';
    engines[1]!.body = good(3);
    await cycle();
    const samples = await full();
    expect(one(samples, 'motor:endpoints_scraped')).toBe(2);
    expect(samples.has('motor_coordinator_injected_total')).toBe(false);
    expect(samples.has('vllm:num_requests_waiting')).toBe(false);
    expect(samples.has('other')).toBe(false);
    expect(one(samples, 'vllm:num_requests_running')).toBe(5);
  });
});
