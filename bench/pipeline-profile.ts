/**
 * The pipeline alone, in this process, without HTTP: `node dist-bench/bench/pipeline-profile.js
 * [--endpoints=2048] [--cycles=8] [--all-views]` (after `tsc -p tsconfig.bench.json`). N simulated vLLM V1
 * engines render their pages, gzip level 1 (as the fleet serves them), and the worker's
 * cycle (`runCycle` and the pre-rendered views) ingests them from memory, cycle after cycle. Prints, per cycle phase, CPU and wall
 * milliseconds, garbage-collection pauses and the heap, so a change in the parser, the
 * aggregator or the renderers can be weighed without the fleet's noise. `--identity`:
 * uncompressed pages. Run node with `--expose-gc` to start each cycle from a
 * collected heap, and with `--cpu-prof` for a profile (`bench/prof-top.ts` reads it).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { VIEW_TYPES } from '../src/aggregate/views.js';
import { gzipSync } from 'node:zlib';
import type { EndpointRef } from '../src/scrape/scrape.types.js';
import { PRERENDERED } from '../src/pipeline/pipeline.types.js';
import { runCycle, type PageSource } from '../src/pipeline/run-cycle.js';
import { SimulatedVllmEngine } from '../src/simulator/index.js';
import { fleetLayout } from './lib/fleet-layout.js';
import { mean } from './lib/stats.js';
import { MetricsPipeline } from '../src/pipeline/metrics-pipeline.js';

function option(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return Number(hit ? hit.slice(name.length + 3) : fallback);
}

const endpoints = option('endpoints', 2048);
const cycles = option('cycles', 8);
const warmup = option('warmup', 2);
const identity = process.argv.includes('--identity');
/** Every view in both formats each cycle, as when clients ask for them all. */
const allViews = process.argv.includes('--all-views');

interface Engine {
  ref: EndpointRef;
  engine: SimulatedVllmEngine;
}
const engines: Engine[] = [];
for (const spec of fleetLayout(endpoints)) {
  const perHost = spec.ranksPerHost ?? spec.dpRanks;
  for (let rank = 0; rank < spec.dpRanks; rank++) {
    const podIp = `127.0.${spec.id}.${Math.floor(rank / perHost) + 1}`;
    engines.push({
      ref: {
        key: `${spec.id}|${podIp}|${rank}`,
        instanceId: spec.id,
        role: spec.role,
        podIp,
        dpRank: rank,
      },
      engine: new SimulatedVllmEngine({
        modelName: 'deepseek-ai/DeepSeek-V3',
        engineIndex: rank,
        role: spec.role,
        seed: spec.id * 1000 + rank,
        warmupSeconds: 60,
      }),
    });
  }
}
const instances = fleetLayout(endpoints).map((s) => ({
  id: s.id,
  role: s.role,
  paused: false,
}));

let gcMs = 0;
let gcCount = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    gcCount++;
  }
}).observe({ entryTypes: ['gc'] });

// Every cycle's pages first, so that the pipeline's garbage is its own.
const targets = engines.map(({ ref }, i) => ({ ref, url: `mem:${i}` }));
const cyclePages: Uint8Array[][] = [];
let textBytes = 0;
let wireBytes = 0;
for (let c = 0; c < warmup + cycles; c++) {
  cyclePages.push(
    engines.map(({ engine }) => {
      engine.tick(3);
      const text = Buffer.from(engine.render(1_800_000_000 + c * 3));
      const wire = identity ? text : gzipSync(text, { level: 1 });
      textBytes += text.byteLength;
      wireBytes += wire.byteLength;
      // A buffer of its own, as the fetcher returns.
      const own = new Uint8Array(wire.byteLength);
      own.set(wire);
      return own;
    }),
  );
}

const aggregator = new MetricsPipeline({ staleAfterMs: 30_000 });
const collect = (globalThis as { gc?: () => void }).gc;
const rows: { ms: number; cpuMs: number; gcMs: number; gcs: number }[] = [];
let peakHeap = 0;
for (const [c, pages] of cyclePages.entries()) {
  collect?.();
  await new Promise((r) => setImmediate(r));
  const source: PageSource = {
    fetch: (url) =>
      Promise.resolve({
        ok: true,
        bytes: pages[Number(url.slice(4))]!,
        gzip: !identity,
      }),
  };
  const gc0 = gcMs;
  const n0 = gcCount;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // What the worker does per cycle, without the network: ingest every page, pre-render.
  const { views: snapshot } = await runCycle(
    aggregator,
    source,
    { startedAt: Date.now(), targets, instances },
    { concurrency: 128, maxPageBytes: 64 << 20 },
  );
  for (const { view, role } of PRERENDERED)
    snapshot.render(view, role, 'prometheus');
  if (allViews)
    for (const view of VIEW_TYPES)
      for (const format of ['prometheus', 'opentelemetry'] as const)
        snapshot.render(view, undefined, format);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const heap = process.memoryUsage().heapUsed;
  // Let the gc observer run before reading it.
  await new Promise((r) => setImmediate(r));
  cyclePages[c] = [];
  peakHeap = Math.max(peakHeap, heap);
  if (c >= warmup) {
    rows.push({
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
      gcMs: gcMs - gc0,
      gcs: gcCount - n0,
    });
  }
}

const fmt = (x: number): string => x.toFixed(1);
process.stdout.write(
  `pipeline of ${endpoints} pages (${fmt(textBytes / (warmup + cycles) / 1e6)} MB text, ` +
    `${fmt(wireBytes / (warmup + cycles) / 1e6)} MB on the wire per cycle), mean of ${cycles} cycles after ${warmup}:\n` +
    `  wall ${fmt(mean(rows.map((r) => r.ms)))} ms, CPU ${fmt(mean(rows.map((r) => r.cpuMs)))} ms, ` +
    `GC ${fmt(mean(rows.map((r) => r.gcMs)))} ms in ${fmt(mean(rows.map((r) => r.gcs)))} pauses; ` +
    `heap after a cycle ${fmt(peakHeap / 1e6)} MB (max)\n`,
);
