import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { startHarness, type Harness } from './app-harness.js';
import { samplesOf } from './exposition.js';

/**
 * Engines on 127.0.0.10 and up serving pages a test writes (and rewrites),
 * registered with a coordinator the test boots, for scenarios of SPEC §3.1.
 */

export interface PageEngine {
  body: string;
  readonly server: Server;
  readonly ip: string;
  readonly port: number;
}

export async function startPageEngine(
  ip: string,
  body: string,
): Promise<PageEngine> {
  const engine = { body } as PageEngine;
  const server = createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    res.end(engine.body);
  });
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  Object.assign(engine, {
    server,
    ip,
    port: (server.address() as AddressInfo).port,
  });
  return engine;
}

export const counter = (
  name: string,
  value: number,
  labels = 'model_name="m"',
) => `# TYPE ${name} counter\n${name}{${labels}} ${value}\n`;
export const gauge = (name: string, value: number, labels = 'model_name="m"') =>
  `# TYPE ${name} gauge\n${name}{${labels}} ${value}\n`;
export function histogram(
  name: string,
  buckets: readonly [string, number][],
  sum: number,
): string {
  const lines = [`# TYPE ${name} histogram`];
  for (const [le, c] of buckets)
    lines.push(`${name}_bucket{le="${le}",model_name="m"} ${c}`);
  lines.push(
    `${name}_sum{model_name="m"} ${sum}`,
    `${name}_count{model_name="m"} ${buckets[buckets.length - 1]![1]}`,
  );
  return lines.join('\n') + '\n';
}

/**
 * One scenario per test (registers an afterEach in the calling describe that
 * closes its coordinator and engines): `boot` the coordinator, start page
 * `engine`s, register them as instances, step cycles and read /metrics.
 */
export function pageEngineScenarios() {
  let h: Harness | undefined;
  let engines: PageEngine[] = [];
  let next = 10;

  afterEach(async () => {
    await h?.close();
    h = undefined;
    await Promise.all(
      engines.map((e) => {
        e.server.closeAllConnections();
        return new Promise((r) => e.server.close(r));
      }),
    );
    engines = [];
  });

  const boot = async (env: Record<string, string> = {}) => {
    h = await startHarness({
      COORDINATOR_REUSE_TIME: '0.2',
      COORDINATOR_STALE_AFTER: '600',
      ...env,
    });
    return h;
  };
  const engine = async (body: string) => {
    const e = await startPageEngine(`127.0.0.${next++}`, body);
    engines.push(e);
    return e;
  };
  const instance = (id: number, role: string, e: PageEngine, model = 'm') => ({
    job_name: 'e2e',
    model_name: model,
    id,
    role,
    endpoints: {
      [e.ip]: {
        '0': { id: 0, ip: e.ip, business_port: e.port, mgmt_port: e.port },
      },
    },
  });
  const refresh = async (event: string, instances: object[]) => {
    await request(h!.mgmt)
      .post('/instances/refresh')
      .send({ event, instances })
      .expect(200);
    await h!.apps.handles.scheduler.nextCycle();
  };
  const cycle = () => h!.apps.handles.scheduler.nextCycle();
  const full = async (query = '') =>
    samplesOf((await request(h!.obs).get(`/metrics${query}`).expect(200)).text);
  const text = async () =>
    (await request(h!.obs).get('/metrics').expect(200)).text;
  const value = async (name: string, query = '') => {
    const list = (await full(query)).get(name) ?? [];
    return list.length === 1 ? list[0]!.value : undefined;
  };

  return { boot, engine, instance, refresh, cycle, full, text, value };
}
