/**
 * The digest alone, in this process, without HTTP: `node dist-bench/bench/digest-profile.js
 * [--endpoints=2048] [--cycles=8]` (after `tsc -p tsconfig.bench.json`). N simulated vLLM V1
 * engines render their pages, gzip level 1 (as the fleet serves them), and the worker's
 * digest function ingests them cycle after cycle. Prints, per cycle phase, CPU and wall
 * milliseconds, garbage-collection pauses and the heap, so a change in the parser, the
 * aggregator or the renderers can be weighed without the fleet's noise. `--identity`:
 * uncompressed pages. Run node with `--expose-gc` to start each cycle from a
 * collected heap, and with `--cpu-prof` for a profile (`bench/prof-top.ts` reads it).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import type { EndpointRef } from '../src/aggregate/cycle.types.js';
import type { RawCycle, RawPage } from '../src/scrape/digest.types.js';
import digest, { type IngestResult } from '../src/scrape/digest-worker.js';
import { SimulatedVllmEngine } from '../src/simulator/index.js';
import { fleetLayout } from './lib/fleet-layout.js';
import { mean } from './lib/stats.js';

function option(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return Number(hit ? hit.slice(name.length + 3) : fallback);
}

const endpoints = option('endpoints', 2048);
const cycles = option('cycles', 8);
const warmup = option('warmup', 2);
const identity = process.argv.includes('--identity');

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

// Every cycle's pages first, so that the digest's garbage is its own.
const raws: RawCycle[] = [];
let textBytes = 0;
let wireBytes = 0;
for (let c = 0; c < warmup + cycles; c++) {
  const at = 1_800_000_000_000 + c * 3000;
  const pages: RawPage[] = engines.map(({ ref, engine }, index) => {
    engine.tick(3);
    const text = Buffer.from(engine.render(at / 1000));
    const wire = identity ? text : gzipSync(text, { level: 1 });
    textBytes += text.byteLength;
    wireBytes += wire.byteLength;
    // A buffer of its own, as the fetcher hands over.
    const own = new Uint8Array(wire.byteLength);
    own.set(wire);
    return {
      endpoint: ref,
      index,
      status: 'ok',
      bytes: own,
      gzip: !identity,
      at,
    };
  });
  raws.push({
    startedAt: at - 1000,
    finishedAt: at,
    instances,
    pages,
  });
}

const options = { staleAfterMs: 30_000, maxPageBytes: 64 << 20 };
const collect = (globalThis as { gc?: () => void }).gc;
const rows: { ms: number; cpuMs: number; gcMs: number; gcs: number }[] = [];
let peakHeap = 0;
for (const [c, cycle] of raws.entries()) {
  collect?.();
  await new Promise((r) => setImmediate(r));
  const gc0 = gcMs;
  const n0 = gcCount;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // As the worker receives them: batches of 16 pages, then the cycle's end.
  for (let i = 0; i < cycle.pages.length; i += 16) {
    digest({
      kind: 'pages',
      cycle: c,
      options,
      pages: cycle.pages.slice(i, i + 16),
    });
  }
  const result = digest({
    kind: 'finish',
    cycle: c,
    options,
    end: cycle,
  }) as IngestResult | null;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const heap = process.memoryUsage().heapUsed;
  // Let the gc observer run before reading it.
  await new Promise((r) => setImmediate(r));
  if (!result) throw new Error('no result');
  raws[c] = { ...cycle, pages: [] };
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
  `digest of ${endpoints} pages (${fmt(textBytes / (warmup + cycles) / 1e6)} MB text, ` +
    `${fmt(wireBytes / (warmup + cycles) / 1e6)} MB on the wire per cycle), mean of ${cycles} cycles after ${warmup}:\n` +
    `  wall ${fmt(mean(rows.map((r) => r.ms)))} ms, CPU ${fmt(mean(rows.map((r) => r.cpuMs)))} ms, ` +
    `GC ${fmt(mean(rows.map((r) => r.gcMs)))} ms in ${fmt(mean(rows.map((r) => r.gcs)))} pauses; ` +
    `heap after a digest ${fmt(peakHeap / 1e6)} MB (max)\n`,
);
