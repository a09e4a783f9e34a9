/**
 * The API server process's own series (`process_*`, `python_gc_*`) and the
 * `_created` stamps a process start sets.
 */
import type { PageSlots } from './page-slots.js';
import type { Prng } from './prng.js';
import { inc } from './value-writes.js';

/** Seconds from process start to a serving engine. */
export function bootSeconds(rng: Prng): number {
  return Math.round(rng.range(25, 120) * 100) / 100;
}

/**
 * A process started at `start` (Unix seconds): start time, `_created`
 * stamps, fresh process gauges. Returns when its HTTP server came up.
 */
export function startProcess(
  v: Float64Array,
  s: PageSlots,
  rng: Prng,
  start: number,
  boot: number,
  baseRss: number,
): number {
  // /proc gives the start time in clock ticks (1/100 s).
  const startTime = Math.round(start * 100) / 100;
  const created = startTime + boot + rng.range(0, 1);
  const httpCreated = created + rng.range(0.5, 3);
  v[s.startTime] = startTime;
  for (const i of s.vllmCreated) v[i] = created;
  for (const i of s.httpCreated) v[i] = httpCreated;
  v[s.sleepState] = 1;
  v[s.maxFds] = 1048576;
  v[s.virtualMemory] = 3.1e10 + Math.round(rng.range(0, 2e9) / 4096) * 4096;
  v[s.residentMemory] = baseRss;
  v[s.openFds] = 96;
  return httpCreated;
}

/** What `dtSeconds` of serving at this utilisation adds to the process series. */
export function tickProcess(
  v: Float64Array,
  s: PageSlots,
  rng: Prng,
  dtSeconds: number,
  util: number,
  running: number,
  baseRss: number,
): void {
  inc(v, s.cpuSeconds, dtSeconds * (0.5 + 0.7 * Math.min(util, 1.2)));
  const gcRates = [60, 4, 0.4];
  const collections = [0.9, 0.08, 0.006];
  for (let g = 0; g < 3; g++) {
    inc(v, s.gcCollected + g, rng.poisson(dtSeconds * (gcRates[g] as number)));
    inc(
      v,
      s.gcCollections + g,
      rng.poisson(dtSeconds * (collections[g] as number)),
    );
  }
  v[s.residentMemory] =
    Math.round((baseRss * (1 + 0.05 * Math.min(util, 1))) / 4096) * 4096;
  v[s.openFds] = 110 + Math.round(running * 0.25) + rng.poisson(8);
}
