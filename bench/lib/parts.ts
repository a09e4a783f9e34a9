import type { CoordinatorProcess } from './children.js';
import { readSelf, waitForCycles } from './coordinator-metrics.js';
import { floorPass, type FloorPass } from './floor.js';
import {
  httpGet,
  keepAliveAgent,
  loadTest,
  probeLoop,
  type LoadResult,
} from './http-client.js';
import { processMemoryMb } from './proc.js';
import { max, mean, percentile, type LatencySummary } from './stats.js';

/** Scrape URLs of a refresh body (every endpoint's mgmt_port, as the coordinator's default). */
export function scrapeUrls(refreshBody: string): string[] {
  const body = JSON.parse(refreshBody) as {
    instances: {
      endpoints: Record<
        string,
        Record<string, { ip: string; mgmt_port: string }>
      >;
    }[];
  };
  const urls: string[] = [];
  for (const i of body.instances) {
    for (const ranks of Object.values(i.endpoints)) {
      for (const e of Object.values(ranks))
        urls.push(`http://${e.ip}:${e.mgmt_port}/metrics`);
    }
  }
  return urls;
}

export interface FloorResult {
  passes: number;
  cpuSecondsPerPass: number;
  wallSecondsPerPass: number;
  textMbPerPass: number;
  wireMbPerPass: number;
  linesPerPass: number;
  failures: number;
}

/** One warm-up pass (connections, JIT), then `passes` measured ones. */
export async function measureFloor(
  urls: readonly string[],
  concurrency: number,
  passes: number,
  gzip: boolean,
): Promise<FloorResult> {
  const agent = keepAliveAgent(concurrency);
  await floorPass(urls, concurrency, agent, gzip);
  const runs: FloorPass[] = [];
  for (let i = 0; i < passes; i++)
    runs.push(await floorPass(urls, concurrency, agent, gzip));
  agent.destroy();
  return {
    passes,
    cpuSecondsPerPass: mean(runs.map((r) => r.cpuSeconds)),
    wallSecondsPerPass: mean(runs.map((r) => r.wallSeconds)),
    textMbPerPass: mean(runs.map((r) => r.textBytes / 1e6)),
    wireMbPerPass: mean(runs.map((r) => r.wireBytes / 1e6)),
    linesPerPass: mean(runs.map((r) => r.lines)),
    failures: runs.reduce((n, r) => n + r.failures, 0),
  };
}

export interface CycleResult {
  cycles: number;
  wallSecondsPerCycle: number;
  /** Cycles over 3 s in the window. */
  overruns: number;
  periodSeconds: number;
  cpuSecondsPerCycle: number;
  /** The event-loop thread's share (it only hands each cycle to the worker and serves HTTP). */
  mainThreadCpuSecondsPerCycle: number;
  /** The cycle worker thread's share (fetch, parse, aggregate, pre-render); NaN when unknown. */
  workerThreadCpuSecondsPerCycle: number;
  peakRssMb: number;
  rssMb: number;
  scrapeFailures: number;
}

/**
 * Skips `warmup` cycles after the refresh (connections, JIT), then measures
 * `cycles` whole cycles, the window starting and ending right after a cycle.
 */
export async function measureCycles(
  c: CoordinatorProcess,
  refreshBody: string,
  warmup: number,
  cycles: number,
  reuseSeconds: number,
): Promise<CycleResult> {
  const before = await readSelf(c.obs, c.pid);
  const res = await httpGet(`${c.mgmt}/instances/refresh`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'bench' },
    payload: refreshBody,
    timeoutMs: 30_000,
  });
  if (res.status !== 200) {
    throw new Error(
      `refresh: HTTP ${res.status} ${res.body?.toString('utf8').slice(0, 300)}`,
    );
  }
  const budget = (n: number): number =>
    (n + 2) * reuseSeconds * 1000 * 3 + 30_000;
  // +1: the cycle running at the refresh may have started with the empty registry.
  const a = await waitForCycles(
    c.obs,
    c.pid,
    before.cycles + 1 + warmup,
    budget(warmup + 1),
  );
  const b = await waitForCycles(
    c.obs,
    c.pid,
    a.cycles + cycles,
    budget(cycles),
  );
  const n = b.cycleSecondsCount - a.cycleSecondsCount;
  const mem = processMemoryMb(c.pid);
  return {
    cycles: n,
    wallSecondsPerCycle: (b.cycleSecondsSum - a.cycleSecondsSum) / n,
    overruns: n - (b.cyclesWithin3s - a.cyclesWithin3s),
    periodSeconds: (b.at - a.at) / 1000 / (b.cycles - a.cycles),
    cpuSecondsPerCycle: (b.cpuSeconds - a.cpuSeconds) / (b.cycles - a.cycles),
    mainThreadCpuSecondsPerCycle:
      (b.mainThreadCpuSeconds - a.mainThreadCpuSeconds) / (b.cycles - a.cycles),
    workerThreadCpuSecondsPerCycle:
      (b.workerThreadCpuSeconds - a.workerThreadCpuSeconds) /
      (b.cycles - a.cycles),
    peakRssMb: mem.peakRss,
    rssMb: mem.rss,
    scrapeFailures: b.scrapeFailures - a.scrapeFailures,
  };
}

export interface DelayWindows {
  /** Per ~1 s window, ms. */
  p99Ms: number[];
  maxMs: number[];
}

export interface ProbeResult {
  seconds: number;
  intervalMs: number;
  latency: Record<string, LatencySummary>;
  coordinatorDelay: DelayWindows;
  floorDelay: DelayWindows;
}

export function delaySummary(d: DelayWindows): {
  worstP99Ms: number;
  medianP99Ms: number;
  maxMs: number;
} {
  return {
    worstP99Ms: max(d.p99Ms),
    medianP99Ms: percentile(d.p99Ms, 50),
    maxMs: max(d.maxMs),
  };
}

/**
 * `/liveness`, `/readiness` and the floor's `/probe`, one after the other every
 * `intervalMs` for `seconds`, while cycles run; meanwhile both event loops'
 * delay histograms are read (and so reset) once a second.
 */
export async function measureProbes(
  c: CoordinatorProcess,
  floorUrl: string,
  seconds: number,
  intervalMs: number,
): Promise<ProbeResult> {
  const coordinatorDelay: DelayWindows = { p99Ms: [], maxMs: [] };
  const floorDelay: DelayWindows = { p99Ms: [], maxMs: [] };
  const readFloor = async (): Promise<{ p99: number; max: number }> => {
    const r = await httpGet(`${floorUrl}/eld`, { timeoutMs: 5_000 });
    return JSON.parse(r.body?.toString('utf8') ?? '{}') as {
      p99: number;
      max: number;
    };
  };
  await readSelf(c.obs, c.pid);
  await readFloor();
  let done = false;
  const sampler = (async () => {
    while (!done) {
      await new Promise((r) => setTimeout(r, 1000));
      const s = await readSelf(c.obs, c.pid);
      coordinatorDelay.p99Ms.push(s.eventLoopP99 * 1000);
      coordinatorDelay.maxMs.push(s.eventLoopMax * 1000);
      const f = await readFloor();
      floorDelay.p99Ms.push(f.p99 / 1e6);
      floorDelay.maxMs.push(f.max / 1e6);
    }
  })();
  const latency = await probeLoop(
    [
      { name: 'liveness', url: `${c.mgmt}/liveness` },
      { name: 'readiness', url: `${c.mgmt}/readiness` },
      { name: 'floor', url: `${floorUrl}/probe` },
    ],
    intervalMs,
    seconds * 1000,
  );
  done = true;
  await sampler;
  return { seconds, intervalMs, latency, coordinatorDelay, floorDelay };
}

export const VIEWS = [
  { name: 'full', query: 'type=full' },
  { name: 'instance', query: 'type=instance' },
  { name: 'role', query: 'type=role' },
  { name: 'dp', query: 'type=dp' },
  { name: 'node', query: 'type=node' },
  { name: 'full (OTLP JSON)', query: 'type=full&format=opentelemetry' },
] as const;

export interface ViewLoad {
  view: string;
  query: string;
  bytes: number;
  /** Clients used: fewer than asked when the byte budget allows fewer requests. */
  clients: number;
  coordinator: LoadResult;
  floor: LoadResult;
}

/**
 * Each view: `requests` GETs at `concurrency` keep-alive clients (at most
 * `maxMs`), then the same bytes from the floor server. A view so large that
 * the requests would move more than `byteBudget` gets fewer requests, and
 * fewer clients than requests are never used: the dp view at N = 2048 is
 * ~150 MB, and 50 of them in flight would hold GBs in both processes.
 */
export async function measureViews(
  c: CoordinatorProcess,
  floorUrl: string,
  concurrency: number,
  requests: number,
  maxMs: number,
  byteBudget: number,
): Promise<ViewLoad[]> {
  const out: ViewLoad[] = [];
  for (const [i, v] of VIEWS.entries()) {
    const url = `${c.obs}/metrics?${v.query}`;
    const sample = await httpGet(url, { timeoutMs: 60_000 });
    if (sample.status !== 200 || !sample.body)
      throw new Error(`GET ${url}: ${sample.status}`);
    const put = await httpGet(`${floorUrl}/static/${i}`, {
      method: 'PUT',
      headers: {
        'Content-Type': String(sample.headers['content-type'] ?? 'text/plain'),
      },
      payload: sample.body,
      timeoutMs: 60_000,
    });
    if (put.status !== 204) throw new Error(`floor PUT: ${put.status}`);
    const n = Math.max(
      1,
      Math.min(requests, Math.floor(byteBudget / sample.bytes)),
    );
    const clients = Math.min(concurrency, n);
    const coordinator = await loadTest(url, clients, n, maxMs);
    const floor = await loadTest(`${floorUrl}/static/${i}`, clients, n, maxMs);
    out.push({
      view: v.name,
      query: v.query,
      bytes: sample.bytes,
      clients,
      coordinator,
      floor,
    });
  }
  return out;
}
