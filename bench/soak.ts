import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startCoordinator, stopChild } from './lib/children.js';
import { httpGet } from './lib/http-client.js';

/**
 * `npm run soak [-- --minutes=10 | --seconds=120]`: the coordinator (this build, as
 * shipped) under what wears a long-running service down, all on loopback and bounded
 * in time: engines whose label values churn (new series on every page), instances
 * added and removed, an engine that flaps, one that restarts, and `/metrics` read in a
 * loop. It prints the resident memory over time and checks, at the end: growth after
 * warm-up (the first fifth of the run) below 10 %, every refresh answered 200, the
 * registry as the last refresh left it, and the process alive and exiting 0.
 */

function option(name: string): number | undefined {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : undefined;
}
const seconds = option('seconds') ?? (option('minutes') ?? 10) * 60;
const CHURN_ENGINES = 8;
const CHURN_SERIES = 200;

interface Engine {
  readonly ip: string;
  port: number;
  server: Server;
  /** Page builder, called per scrape. */
  page: () => string;
  down: boolean;
}

let scrapes = 0;
function stablePart(prompt: number): string {
  return [
    '# TYPE vllm:prompt_tokens_total counter',
    `vllm:prompt_tokens_total{model_name="soak"} ${prompt}`,
    '# TYPE vllm:num_requests_running gauge',
    'vllm:num_requests_running{model_name="soak"} 3',
    '# TYPE vllm:time_to_first_token_seconds histogram',
    `vllm:time_to_first_token_seconds_bucket{le="0.1",model_name="soak"} ${prompt}`,
    `vllm:time_to_first_token_seconds_bucket{le="+Inf",model_name="soak"} ${prompt * 2}`,
    `vllm:time_to_first_token_seconds_sum{model_name="soak"} ${prompt}`,
    `vllm:time_to_first_token_seconds_count{model_name="soak"} ${prompt * 2}`,
    '',
  ].join('\n');
}

async function startEngine(ip: string, page: () => string): Promise<Engine> {
  const engine = { ip, port: 0, page, down: false } as Engine;
  engine.server = createServer((req, res) => {
    if (engine.down) {
      req.socket.destroy();
      return;
    }
    scrapes++;
    res.setHeader('Content-Type', 'text/plain; version=0.0.4');
    res.end(engine.page());
  });
  await new Promise<void>((r) => engine.server.listen(0, ip, r));
  engine.port = (engine.server.address() as AddressInfo).port;
  return engine;
}

const instance = (id: number, role: string, e: Engine) => ({
  job_name: 'soak',
  model_name: 'soak',
  id,
  role,
  endpoints: {
    [e.ip]: {
      '0': { id: 0, ip: e.ip, business_port: e.port, mgmt_port: e.port },
    },
  },
});

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)/.exec(status);
  return kb ? Number(kb[1]) / 1024 : NaN;
}

async function main(): Promise<void> {
  const engines: Engine[] = [];
  let tick = 0;
  for (let i = 0; i < CHURN_ENGINES; i++) {
    let n = 0;
    engines.push(
      await startEngine(`127.0.1.${i + 1}`, () => {
        n++;
        let out = '# TYPE churn_requests_total counter\n';
        for (let k = 0; k < CHURN_SERIES; k++)
          out += `churn_requests_total{request_id="${i}-${n}-${k}"} 1\n`;
        return out + stablePart(1000 + n);
      }),
    );
  }
  let restartBase = 0;
  const restarting = await startEngine('127.0.2.1', () =>
    stablePart(++restartBase),
  );
  const flapping = await startEngine('127.0.2.2', () => stablePart(++tick));
  const spare = await startEngine('127.0.2.3', () => stablePart(++tick));

  const coordinator = await startCoordinator({
    COORDINATOR_API_HOST: '127.0.0.1',
    COORDINATOR_API_MGMT_PORT: '0',
    COORDINATOR_OBS_PORT: '0',
    COORDINATOR_REUSE_TIME: '1',
    COORDINATOR_STALE_AFTER: '5',
    COORDINATOR_LOG_LEVEL: 'log',
  });
  let refreshes = 0;
  let refreshFailures = 0;
  const refresh = async (event: string, instances: object[]) => {
    refreshes++;
    const body = JSON.stringify({ event, instances });
    const res = await httpGet(`${coordinator.mgmt}/instances/refresh`, {
      method: 'POST',
      payload: body,
      headers: { 'content-type': 'application/json' },
      timeoutMs: 10_000,
    });
    if (res.status !== 200) refreshFailures++;
  };
  const base = [
    ...engines.map((e, i) => instance(i + 1, i % 2 ? 'decode' : 'prefill', e)),
    instance(100, 'decode', restarting),
    instance(101, 'prefill', flapping),
  ];
  await refresh('set', base);

  const started = performance.now();
  const until = started + seconds * 1000;
  const rss: { s: number; mb: number }[] = [];
  let metricsReads = 0;
  let metricsFailures = 0;
  let step = 0;
  let spareIn = false;
  while (performance.now() < until) {
    step++;
    // instance churn: the spare engine comes and goes every 5 s
    if (step % 5 === 0) {
      spareIn = !spareIn;
      await (spareIn
        ? refresh('add', [instance(200, 'decode', spare)])
        : refresh('del', [{ id: 200 }]));
    }
    // a flapping engine: down for 10 s in every 20 s
    flapping.down = step % 20 >= 10;
    // a restarting engine: its counters start over every 30 s
    if (step % 30 === 0) restartBase = 0;
    for (const view of ['full', 'dp']) {
      const res = await httpGet(`${coordinator.obs}/metrics?type=${view}`, {
        timeoutMs: 10_000,
        discard: true,
      });
      metricsReads++;
      if (res.status !== 200) metricsFailures++;
    }
    if (step % 5 === 0) {
      const s = (performance.now() - started) / 1000;
      rss.push({ s, mb: rssMb(coordinator.pid) });
    }
    await new Promise((r) => setTimeout(r, 1000));
  }

  const list = await httpGet(`${coordinator.mgmt}/instances`, {
    timeoutMs: 10_000,
  });
  const ids = (
    JSON.parse(list.body?.toString('utf8') ?? '{}') as {
      instances?: { id: number }[];
    }
  ).instances
    ?.map((i) => i.id)
    .sort((a, b) => a - b);
  const expected = [...base.map((b) => b.id), ...(spareIn ? [200] : [])].sort(
    (a, b) => a - b,
  );
  const alive = coordinator.child.exitCode === null;
  const exit = new Promise<number | null>((r) =>
    coordinator.child.once('exit', (code) => r(code)),
  );
  await stopChild(coordinator.child);
  const code = await exit;
  for (const e of [...engines, restarting, flapping, spare]) {
    e.server.closeAllConnections();
    e.server.close();
  }

  const warm = rss.filter((r) => r.s >= seconds * 0.2);
  const first = warm[0]?.mb ?? NaN;
  const last = warm.length > 0 ? warm[warm.length - 1]!.mb : NaN;
  const peak = Math.max(...rss.map((r) => r.mb));
  const growth = (last - first) / first;
  console.log(`soak ${seconds} s: RSS over time (MB)`);
  for (const r of rss.filter((_, i) => i % 6 === 0 || i === rss.length - 1))
    console.log(`  ${r.s.toFixed(0).padStart(5)} s  ${r.mb.toFixed(1)}`);
  console.log(
    `after warm-up ${first.toFixed(1)} MB → end ${last.toFixed(1)} MB (${(growth * 100).toFixed(1)} %), peak ${peak.toFixed(1)} MB`,
  );
  console.log(
    `series texts churned: ${CHURN_ENGINES * CHURN_SERIES} per cycle; engine pages served: ${scrapes}`,
  );
  console.log(
    `refreshes ${refreshes} (${refreshFailures} not 200); /metrics reads ${metricsReads} (${metricsFailures} not 200)`,
  );
  const checks: [string, boolean][] = [
    ['RSS growth after warm-up < 10 %', growth < 0.1],
    ['every refresh answered 200', refreshFailures === 0],
    [
      'registry as the last refresh left it',
      JSON.stringify(ids) === JSON.stringify(expected),
    ],
    ['every /metrics read answered 200', metricsFailures === 0],
    ['alive at the end, exit 0 on SIGTERM', alive && code === 0],
  ];
  for (const [what, ok] of checks)
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1;
}

await main();
