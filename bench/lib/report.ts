import type {
  CycleResult,
  FloorResult,
  ProbeResult,
  ViewLoad,
} from './parts.js';
import { delaySummary } from './parts.js';
import type { DpFilterResult } from './dp-filter.js';
import { fixed, ratio, table } from './table.js';

export interface SizeResult {
  endpoints: number;
  floor: FloorResult;
  cycle: CycleResult;
  probes?: ProbeResult;
  views?: ViewLoad[];
  seconds: number;
}

export interface Report {
  date: string;
  commit: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string };
  settings: {
    reuseSeconds: number;
    scrapeConcurrency: number;
    gzip: boolean;
    cycles: number;
    warmup: number;
    clients: number;
    viewByteBudget: number;
  };
  sizes: SizeResult[];
  /** §3.2: the dp view with and without an exclude list. */
  dpFilter?: DpFilterResult;
  targets?: TargetCheck[];
}

export interface TargetCheck {
  what: string;
  measured: string;
  target: string;
  pass: boolean;
}

const out = (s = ''): void => {
  process.stdout.write(s + '\n');
};

export function printReport(r: Report): void {
  const m = r.machine;
  out(`motor-coordinator benchmarks, ${r.date}, commit ${r.commit}`);
  out(
    `machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}; reuse_time ${r.settings.reuseSeconds} s, scrape_concurrency ${r.settings.scrapeConcurrency}`,
  );
  out();
  out(
    `1. Scrape cycle (mean of ${r.settings.cycles} cycles after ${r.settings.warmup} warm-up; CPU = all threads of the coordinator (GC helpers included),`,
  );
  out(
    `   main thread = its event loop's share, worker thread = the worker's; floor: this process fetching (${r.settings.gzip ? 'gzip' : 'plain text'}, keep-alive, ${r.settings.scrapeConcurrency} at once),`,
  );
  out(
    `   ${r.settings.gzip ? 'gunzipping and ' : ''}splitting every page into lines, mean of 5 passes)`,
  );
  out(
    table([
      [
        'N',
        'text MB',
        'wire MB',
        'cycle wall s',
        '>3 s',
        'CPU s/cycle',
        'main thread',
        'worker thread',
        'floor CPU s',
        'CPU ratio',
        'floor wall s',
        'peak RSS MB',
        'failed scrapes',
      ],
      ...r.sizes.map((s) => [
        String(s.endpoints),
        fixed(s.floor.textMbPerPass, 1),
        fixed(s.floor.wireMbPerPass, 1),
        fixed(s.cycle.wallSecondsPerCycle, 3),
        String(s.cycle.overruns),
        fixed(s.cycle.cpuSecondsPerCycle, 3),
        fixed(s.cycle.mainThreadCpuSecondsPerCycle, 3),
        fixed(s.cycle.workerThreadCpuSecondsPerCycle, 3),
        fixed(s.floor.cpuSecondsPerPass, 3),
        ratio(s.cycle.cpuSecondsPerCycle, s.floor.cpuSecondsPerPass),
        fixed(s.floor.wallSecondsPerPass, 3),
        fixed(s.cycle.peakRssMb, 0),
        String(s.cycle.scrapeFailures),
      ]),
    ]),
  );
  const big = r.sizes.find((s) => s.probes);
  if (big?.probes) {
    const p = big.probes;
    out();
    out(
      `2. Probes while cycles run, N = ${big.endpoints} (sequential, every ${p.intervalMs} ms for ${p.seconds} s; floor: a static JSON answer of the fleet process)`,
    );
    out(
      table([
        [
          'request',
          'n',
          'errors',
          'p50 ms',
          'p99 ms',
          'max ms',
          'p99 / floor p99',
        ],
        ...Object.entries(p.latency).map(([name, l]) => [
          name === 'floor' ? 'floor /probe' : `/${name}`,
          String(l.count),
          String(l.errors),
          fixed(l.p50Ms, 2),
          fixed(l.p99Ms, 2),
          fixed(l.maxMs, 2),
          name === 'floor'
            ? ''
            : ratio(l.p99Ms, p.latency.floor?.p99Ms ?? Number.NaN),
        ]),
      ]),
    );
    const cd = delaySummary(p.coordinatorDelay);
    const fd = delaySummary(p.floorDelay);
    out();
    out(
      '   event-loop delay (monitorEventLoopDelay, 10 ms resolution, read every ~1 s)',
    );
    out(
      table([
        [
          'event loop',
          'windows',
          'p99 worst window ms',
          'p99 median window ms',
          'max ms',
        ],
        [
          'coordinator (main thread)',
          String(p.coordinatorDelay.p99Ms.length),
          fixed(cd.worstP99Ms, 2),
          fixed(cd.medianP99Ms, 2),
          fixed(cd.maxMs, 2),
        ],
        [
          'floor server',
          String(p.floorDelay.p99Ms.length),
          fixed(fd.worstP99Ms, 2),
          fixed(fd.medianP99Ms, 2),
          fixed(fd.maxMs, 2),
        ],
      ]),
    );
  }
  if (big?.views) {
    out();
    out(
      `3. /metrics at ${r.settings.clients} concurrent keep-alive clients while cycles run, N = ${big.endpoints} (floor: the same bytes as a static buffer from the fleet process; at most ${fixed(r.settings.viewByteBudget / 1e9, 1)} GB moved per view, so the largest views get fewer requests and clients)`,
    );
    out(
      table([
        [
          'view',
          'size KB',
          'clients',
          'n',
          'p50 ms',
          'p99 ms',
          'max ms',
          'req/s',
          'floor p50 ms',
          'floor p99 ms',
          'p99 / floor',
        ],
        ...big.views.map((v) => [
          v.view,
          fixed(v.bytes / 1024, 0),
          String(v.clients),
          String(v.coordinator.count) +
            (v.coordinator.errors ? ` (${v.coordinator.errors} err)` : ''),
          fixed(v.coordinator.p50Ms, 2),
          fixed(v.coordinator.p99Ms, 2),
          fixed(v.coordinator.maxMs, 2),
          fixed(v.coordinator.requestsPerSecond, 0),
          fixed(v.floor.p50Ms, 2),
          fixed(v.floor.p99Ms, 2),
          ratio(v.coordinator.p99Ms, v.floor.p99Ms),
        ]),
      ]),
    );
  }
  if (r.dpFilter) {
    const d = r.dpFilter;
    const row = (name: string, v: DpFilterResult['unfiltered']): string[] => [
      name,
      String(v.series),
      fixed(v.bytes / 1e6, 1),
      fixed(v.bytes / d.unfiltered.bytes, 2),
      fixed(v.renderMs, 0),
      fixed(v.renderMs / d.unfiltered.renderMs, 2),
    ];
    out();
    out(
      `4. dp view, N = ${d.endpoints}, rendered in the bench process (Prometheus text, median of ${d.renders} renders each) without and with exclude_families = ${d.exclude.join(',')}`,
    );
    out(
      table([
        ['dp view', 'series', 'MB', 'size ratio', 'render ms', 'time ratio'],
        row('unfiltered', d.unfiltered),
        row('with exclude list', d.filtered),
      ]),
    );
  }
  r.targets = checkTargets(r);
  if (r.targets.length > 0) {
    out();
    out('Targets');
    for (const t of r.targets) {
      out(
        `  ${t.pass ? 'PASS' : 'MISS'}  ${t.what}: ${t.measured} (target ${t.target})`,
      );
    }
  }
}

function checkTargets(r: Report): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const s = r.sizes.find((x) => x.endpoints === 2048);
  if (!s) return checks;
  const reuse = r.settings.reuseSeconds;
  const add = (
    what: string,
    value: number,
    limit: number,
    unit: string,
    target?: string,
  ): void => {
    checks.push({
      what,
      measured: `${fixed(value, unit === 's' ? 3 : unit === 'MB' ? 0 : 2)} ${unit}`,
      target: target ?? `≤ ${limit} ${unit}`,
      pass: value <= limit,
    });
  };
  add('N=2048 coordinator CPU per cycle', s.cycle.cpuSecondsPerCycle, 0.6, 's');
  add(
    'N=2048 cycle wall time',
    s.cycle.wallSecondsPerCycle,
    reuse / 2,
    's',
    `≤ ${reuse / 2} s, half of reuse_time`,
  );
  add('N=2048 peak RSS', s.cycle.peakRssMb, 400, 'MB');
  if (s.probes) {
    for (const name of ['liveness', 'readiness']) {
      add(
        `/${name} p99`,
        s.probes.latency[name]?.p99Ms ?? Number.NaN,
        20,
        'ms',
      );
    }
    add(
      'event-loop delay p99 (worst 1 s window)',
      delaySummary(s.probes.coordinatorDelay).worstP99Ms,
      20,
      'ms',
    );
  }
  const full = s.views?.find((v) => v.query === 'type=full');
  if (full)
    add(
      '/metrics?type=full p99 at 50 clients',
      full.coordinator.p99Ms,
      10,
      'ms',
    );
  return checks;
}
