import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import request from 'supertest';
import { startHarness, type Harness } from '../support/app-harness.js';
import { one, samplesOf } from '../support/exposition.js';
import { FAMILY_MIX_LINES } from '../support/family-mix-page.js';
import { instance } from '../support/refresh-bodies.js';

/**
 * Cardinality bounds through the real app (SPEC §3.2, issue 12 part 2),
 * configured by env as a deployment is: an exclude list for every view and a
 * series budget that binds on `dp` only; what the budget drops is counted in
 * the coordinator's own metrics and logged once per family.
 */

const PAGE = [...FAMILY_MIX_LINES, ''].join('\n');

/*
 * By hand, two decode instances of one endpoint each, python_* and process_*
 * excluded. full: endpoints_configured, endpoints_scraped,
 * scrape_duration_seconds, 3 active_*_workers, vllm:num_requests_running and
 * _max, motor:requests_running and _max (1 each) + app_big 4 = 14 ≤ 20.
 * dp: 5 freshness families × 2 = 10, 3 workers, the 4 running families × 2 = 8,
 * app_big 4 × 2 = 8: 29 > 20. Dropped, largest first: app_big (8) → 21, still
 * over; then of the 2-series families the first by name, motor:requests_running
 * → 19.
 */
const BUDGET = 20;

async function startEngine(ip: string): Promise<Server> {
  const server = createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  return server;
}

function sampleCount(text: string): Map<string, number> {
  const out = new Map<string, number>();
  let family = '';
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) /.exec(line);
    if (t) family = t[1]!;
    else if (line !== '' && !line.startsWith('#'))
      out.set(family, (out.get(family) ?? 0) + 1);
  }
  return out;
}

describe.each([
  { mode: 'inline', worker: 'false' },
  { mode: 'worker thread', worker: 'true' },
])('cardinality bounds, pipeline $mode', ({ worker }) => {
  let h: Harness;
  const engines: Server[] = [];
  const ips = ['127.0.0.2', '127.0.0.3'];
  let warn: { mock: { calls: unknown[][] }; mockRestore(): void };
  const cycle = () => h.apps.handles.scheduler.nextCycle();
  const dropLogs = () =>
    warn.mock.calls
      .map((c) => String(c[0]))
      .filter((m) => m.includes('max_series_per_view'));
  // The own registry itself: `/metrics` reuses its text for up to a second.
  const dropped = async (family: string) =>
    one(
      samplesOf(await h.apps.handles.selfMetrics.registry.metrics()),
      'motor_coordinator_series_dropped_total',
      { view: 'dp', family },
    );

  beforeAll(async () => {
    warn = vi.spyOn(Logger.prototype, 'warn');
    for (const ip of ips) engines.push(await startEngine(ip));
    h = await startHarness({
      COORDINATOR_REUSE_TIME: '0.2',
      COORDINATOR_STALE_AFTER: '600',
      COORDINATOR_DIGEST_IN_WORKER: worker,
      COORDINATOR_EXCLUDE_FAMILIES: 'python_*, process_*',
      COORDINATOR_MAX_SERIES_PER_VIEW: String(BUDGET),
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
            port: (e.address() as AddressInfo).port,
            job_name: 'e2e',
            model_name: 'm',
          }),
        ),
      })
      .expect(200);
    await cycle();
    await cycle();
  });
  afterAll(async () => {
    await h?.close();
    warn.mockRestore();
    await Promise.all(
      engines.map((e) => {
        e.closeAllConnections();
        return new Promise((r) => e.close(r));
      }),
    );
  });

  it('the full view keeps every family but the excluded ones, nothing dropped', async () => {
    const text = (await request(h.obs).get('/metrics?type=full').expect(200))
      .text;
    const counts = sampleCount(text);
    expect(counts.has('python_gc_objects_collected_total')).toBe(false);
    expect(counts.has('process_open_fds')).toBe(false);
    expect(counts.get('app_big')).toBe(4);
    expect(counts.get('motor:requests_running')).toBe(1);
    const own = [...counts.keys()].filter(
      (f) => !f.startsWith('motor_coordinator_'),
    );
    expect(own.reduce((n, f) => n + counts.get(f)!, 0)).toBe(14);
    expect(text).not.toMatch(/^motor_coordinator_series_dropped_total\{/m);
  });

  it('the dp view loses its largest families to the budget, counted and logged once', async () => {
    const text = (await request(h.obs).get('/metrics?type=dp').expect(200))
      .text;
    const counts = sampleCount(text);
    const view = [...counts.keys()].filter(
      (f) => !f.startsWith('motor_coordinator_'),
    );
    expect(view.reduce((n, f) => n + counts.get(f)!, 0)).toBe(19);
    expect(counts.has('app_big')).toBe(false);
    expect(counts.has('motor:requests_running')).toBe(false);
    expect(counts.get('motor:requests_running_max')).toBe(2);
    expect(counts.get('motor:endpoint_up')).toBe(2);
    expect(await dropped('app_big')).toBe(8);
    expect(await dropped('motor:requests_running')).toBe(2);
    // The same cycle's dp body again: served from the cache, not counted again.
    await request(h.obs).get('/metrics?type=dp').expect(200);
    expect(await dropped('app_big')).toBe(8);
    // Next cycle: counted again, not logged again.
    await cycle();
    await request(h.obs).get('/metrics?type=dp').expect(200);
    expect(await dropped('app_big')).toBe(16);
    expect(dropLogs()).toHaveLength(2);
    expect(dropLogs()[0]).toContain('view dp');
    expect(dropLogs()[0]).toContain('family app_big (8 series)');
  });

  it('OTLP JSON of dp is bounded the same way', async () => {
    const body = (
      await request(h.obs)
        .get('/metrics?type=dp&format=opentelemetry')
        .expect(200)
    ).text;
    const names = (
      JSON.parse(body) as {
        resourceMetrics: { scopeMetrics: { metrics: { name: string }[] }[] }[];
      }
    ).resourceMetrics[0]!.scopeMetrics[0]!.metrics.map((m) => m.name);
    expect(names).toContain('motor:endpoint_up');
    expect(names).toContain('vllm:num_requests_running');
    expect(names).not.toContain('app_big');
    expect(names).not.toContain('motor:requests_running');
    expect(names).not.toContain('process_open_fds');
  });
});
