import { Logger } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
} from 'prom-client';

export const SELF_METRICS_PREFIX = 'motor_coordinator_';

/**
 * The coordinator's own metrics, in a Registry of its own (never prom-client's
 * global one). The prefix keeps them apart from the engines' summed
 * `process_*`/`python_*` families in the same exposition.
 */
export class SelfMetrics {
  readonly registry = new Registry();

  readonly refreshRequests = new Counter({
    name: `${SELF_METRICS_PREFIX}refresh_requests_total`,
    help: 'POST /instances/refresh requests by event and HTTP status code.',
    labelNames: ['event', 'code'] as const,
    registers: [this.registry],
  });

  readonly scrapeCycles = new Counter({
    name: `${SELF_METRICS_PREFIX}scrape_cycles_total`,
    help: 'Completed scrape cycles.',
    registers: [this.registry],
  });

  readonly scrapeFailures = new Counter({
    name: `${SELF_METRICS_PREFIX}scrape_failures_total`,
    help: 'Endpoint scrapes that failed (error, timeout, non-200, too large).',
    registers: [this.registry],
  });

  readonly cycleSeconds = new Histogram({
    name: `${SELF_METRICS_PREFIX}scrape_cycle_seconds`,
    help: 'Wall time of one scrape cycle (fetch, parse, aggregate, render).',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10],
    registers: [this.registry],
  });

  readonly workerThreadCpu = new Counter({
    name: `${SELF_METRICS_PREFIX}digest_thread_cpu_seconds_total`,
    help: 'CPU seconds used by the worker thread that fetches and digests the cycles, counted at the end of each cycle (Linux, digest_in_worker only). A rate near 1 means that thread is saturated.',
    registers: [this.registry],
  });
  private lastWorkerThreadCpu = 0;

  /** The worker thread's CPU seconds so far (restarts from 0 with a new thread). */
  observeWorkerThreadCpu(total: number): void {
    const delta =
      total >= this.lastWorkerThreadCpu
        ? total - this.lastWorkerThreadCpu
        : total;
    this.lastWorkerThreadCpu = total;
    this.workerThreadCpu.inc(delta);
  }

  readonly seriesDropped = new Counter({
    name: `${SELF_METRICS_PREFIX}series_dropped_total`,
    help: "Series the view's max_series_per_view budget left out of a rendered body, by view and family (counted per rendered body: once per cycle per view, role and format asked for).",
    labelNames: ['view', 'family'] as const,
    registers: [this.registry],
  });
  private readonly droppedLogged = new Set<string>();
  private readonly logger = new Logger('SeriesBudget');

  /** Counts what a render's series budget left out; logs each (view, family) the first time. */
  observeDropped(
    view: string,
    dropped: readonly { family: string; series: number }[],
  ): void {
    for (const d of dropped) {
      this.seriesDropped.inc({ view, family: d.family }, d.series);
      const key = `${view}|${d.family}`;
      if (this.droppedLogged.has(key)) continue;
      // Bounded: one entry per family the catalog knows, per view.
      this.droppedLogged.add(key);
      this.logger.warn(
        `view ${view} exceeds max_series_per_view: family ${d.family} (${d.series} series) left out; logged once per family`,
      );
    }
  }

  readonly registeredInstances = new Gauge({
    name: `${SELF_METRICS_PREFIX}registered_instances`,
    help: 'Instances in the registry.',
    registers: [this.registry],
  });

  private masterProbe: () => boolean = () => true;

  readonly isMaster = new Gauge({
    name: `${SELF_METRICS_PREFIX}is_master`,
    help: '1 when this node is master (always 1 without master/standby).',
    registers: [this.registry],
    collect: () => {
      this.isMaster.set(this.masterProbe() ? 1 : 0);
    },
  });

  watchLeadership(isMaster: () => boolean): void {
    this.masterProbe = isMaster;
  }

  constructor() {
    collectDefaultMetrics({
      register: this.registry,
      prefix: SELF_METRICS_PREFIX,
    });
  }

  private cached: { at: number; text: Promise<Buffer> } | null = null;

  /**
   * The exposition of these metrics, reused for up to a second: collecting
   * them (process_open_fds lists every socket) costs more than serving a view.
   */
  text(now = Date.now()): Promise<Buffer> {
    if (!this.cached || now - this.cached.at >= 1000) {
      this.cached = {
        at: now,
        text: this.registry.metrics().then((t) => Buffer.from(t)),
      };
    }
    return this.cached.text;
  }
}
