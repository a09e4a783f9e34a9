/**
 * The coordinator at fleet scale, measured from outside: `npm run bench`
 * (after the build: `node dist-bench/bench/run.js [options]`).
 *
 * Three processes, so that every number is the coordinator's own: the fleet
 * (fleet-process.ts: N simulated vLLM endpoints + the floors' server), the
 * coordinator (this build's src/main.js, configured by env), and this process
 * as client and measurer. For each N: (1) the floor (this process reading and
 * splitting all N pages), then the coordinator's cycles; at the largest N
 * also (2) probe latency and event-loop delay while cycles run and (3)
 * `/metrics` latency per view at 50 clients, each against its floor.
 *
 * Options: --sizes=64,512,2048  --cycles=6  --warmup=2  --reuse=3
 *   --probe-seconds=15  --requests=100000  --view-seconds=9 (each view: until
 *   either bound, or the 1 GB byte budget, is reached)
 *   --plain (the coordinator asks for plain text, COORDINATOR_SCRAPE_GZIP=false, and so
 *   does the floor; by default both ask for gzip, as the coordinator does by default)
 *   --coordinator=<main.js> (default: this build's src/main.js)
 *   --node-flags=<flag,flag> (extra node/V8 flags for the coordinator, e.g. --single-threaded-gc)
 *   --cpu-prof (write the coordinator's CPU profiles of the largest N to bench/results/cpu-prof)
 *   --dp-exclude=<glob,glob> (the exclude list of (4), the dp view at the largest N rendered in
 *   this process with and without it; default python_*,process_*,http_request_*,vllm:request_params_*)
 *   --dp-renders=3 (renders of each, timed one by one)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  startCoordinator,
  startFleetProcess,
  stopChild,
} from './lib/children.js';
import {
  measureCycles,
  measureFloor,
  measureProbes,
  measureViews,
  scrapeUrls,
  type CycleResult,
  type FloorResult,
  type ProbeResult,
  type ViewLoad,
} from './lib/parts.js';
import { DEFAULT_DP_EXCLUDE, measureDpFilter } from './lib/dp-filter.js';
import { printReport, type Report } from './lib/report.js';

const RESULTS = fileURLToPath(new URL('../../bench/results/', import.meta.url));

function option(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

const sizes = option('sizes', '64,512,2048').split(',').map(Number);
const cycles = Number(option('cycles', '6'));
const warmup = Number(option('warmup', '2'));
const reuse = Number(option('reuse', '3'));
const probeSeconds = Number(option('probe-seconds', '15'));
const requests = Number(option('requests', '100000'));
const viewSeconds = Number(option('view-seconds', '9'));
const gzip = !process.argv.includes('--plain');
const entry = option('coordinator', '');
const cpuProf = process.argv.includes('--cpu-prof');
const nodeFlags = option('node-flags', '').split(',').filter(Boolean);
const dpExclude = option('dp-exclude', DEFAULT_DP_EXCLUDE.join(','))
  .split(',')
  .filter(Boolean);
const dpRenders = Number(option('dp-renders', '3'));
const SCRAPE_CONCURRENCY = 128;
const CLIENTS = 50;
const VIEW_BYTE_BUDGET = 1e9;
const largest = Math.max(...sizes);

const report: Report = {
  date: new Date().toISOString(),
  commit: gitCommit(),
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1e9),
    node: process.version,
  },
  settings: {
    reuseSeconds: reuse,
    scrapeConcurrency: SCRAPE_CONCURRENCY,
    gzip,
    cycles,
    warmup,
    clients: CLIENTS,
    viewByteBudget: VIEW_BYTE_BUDGET,
  },
  sizes: [],
};

for (const n of sizes) {
  const started = performance.now();
  process.stderr.write(`bench: N = ${n}: starting the fleet\n`);
  const fleet = await startFleetProcess(n);
  let coordinator: Awaited<ReturnType<typeof startCoordinator>> | undefined;
  try {
    const urls = scrapeUrls(fleet.refreshBody);
    process.stderr.write(
      `bench: N = ${n}: floor (${urls.length} pages per pass)\n`,
    );
    const floor: FloorResult = await measureFloor(
      urls,
      SCRAPE_CONCURRENCY,
      5,
      gzip,
    );
    const profDir = RESULTS + 'cpu-prof';
    if (cpuProf && n === largest) mkdirSync(profDir, { recursive: true });
    coordinator = await startCoordinator(
      {
        COORDINATOR_API_HOST: '127.0.0.1',
        COORDINATOR_API_MGMT_PORT: '0',
        COORDINATOR_OBS_PORT: '0',
        COORDINATOR_REUSE_TIME: String(reuse),
        COORDINATOR_SCRAPE_CONCURRENCY: String(SCRAPE_CONCURRENCY),
        COORDINATOR_SCRAPE_GZIP: String(gzip),
        COORDINATOR_DRAIN_DELAY_SECONDS: '0',
        COORDINATOR_LOG_LEVEL: 'log',
        // As the image runs it (Dockerfile).
        MALLOC_ARENA_MAX: '2',
        NODE_OPTIONS: '--max-semi-space-size=8',
      },
      [
        ...nodeFlags,
        ...(cpuProf && n === largest
          ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`]
          : []),
      ],
      entry || undefined,
    );
    process.stderr.write(
      `bench: N = ${n}: coordinator pid ${coordinator.pid}, ${warmup} + ${cycles} cycles\n`,
    );
    const cycle: CycleResult = await measureCycles(
      coordinator,
      fleet.refreshBody,
      warmup,
      cycles,
      reuse,
    );
    let probes: ProbeResult | undefined;
    let views: ViewLoad[] | undefined;
    if (n === largest) {
      process.stderr.write(`bench: N = ${n}: probes for ${probeSeconds} s\n`);
      probes = await measureProbes(
        coordinator,
        fleet.floorUrl,
        probeSeconds,
        20,
      );
      process.stderr.write(
        `bench: N = ${n}: /metrics views at ${CLIENTS} clients\n`,
      );
      views = await measureViews(
        coordinator,
        fleet.floorUrl,
        CLIENTS,
        requests,
        viewSeconds * 1000,
        VIEW_BYTE_BUDGET,
      );
    }
    report.sizes.push({
      endpoints: n,
      floor,
      cycle,
      probes,
      views,
      seconds: (performance.now() - started) / 1000,
    });
  } finally {
    if (coordinator) await stopChild(coordinator.child);
    await stopChild(fleet.child);
  }
}

// After the fleet and the coordinator are gone: this process alone, ~15 s at N = 2048.
process.stderr.write(
  `bench: N = ${largest}: dp view with and without an exclude list\n`,
);
report.dpFilter = await measureDpFilter(largest, dpExclude, dpRenders);

printReport(report);
mkdirSync(RESULTS, { recursive: true });
writeFileSync(RESULTS + 'latest.json', JSON.stringify(report, null, 2) + '\n');
process.stdout.write(`\nresults: bench/results/latest.json\n`);

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return 'unknown';
  }
}
