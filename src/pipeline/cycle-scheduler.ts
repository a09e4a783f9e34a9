import { Logger } from '@nestjs/common';
import type { InstanceRegistry } from '../instances/instance-registry.js';
import type { CycleRunner } from './pipeline.types.js';
import type { ViewStore } from './view-store.js';
import type { SelfMetrics } from './self-metrics.js';
import { scrapeTargets } from '../scrape/targets.js';

export interface SchedulerOptions {
  readonly intervalMs: number;
  readonly port: 'mgmt_port' | 'business_port';
}

/**
 * One scrape cycle every `intervalMs`, start to start. A cycle that overruns
 * is followed at once by the next, never overlapped. Each cycle takes the
 * registry as it is when the cycle starts.
 */
export class CycleScheduler {
  private readonly logger = new Logger(CycleScheduler.name);
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private lastProgress = 0;
  private completed = 0;
  private begun = 0;
  private cycleWaiters: { after: number; resolve: () => void }[] = [];

  constructor(
    private readonly registry: InstanceRegistry,
    private readonly runner: CycleRunner,
    private readonly store: ViewStore,
    private readonly self: SelfMetrics,
    private readonly options: SchedulerOptions,
  ) {}

  get cyclesCompleted(): number {
    return this.completed;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /**
   * Seconds without a finished cycle when that is far beyond the interval
   * (10 intervals, at least 30 s), else null. A stuck loop is what a restart fixes.
   */
  stalledForSeconds(now = Date.now()): number | null {
    if (!this.running) return null;
    const idle = now - this.lastProgress;
    const limit = Math.max(10 * this.options.intervalMs, 30_000);
    return idle > limit ? Math.round(idle / 1000) : null;
  }

  /**
   * Resolves when a cycle that started after this call has been aggregated:
   * from then on the views reflect the registry as it was at the call.
   */
  nextCycle(): Promise<void> {
    const after = this.begun;
    return new Promise((resolve) => this.cycleWaiters.push({ after, resolve }));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastProgress = Date.now();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const started = Date.now();
      try {
        await this.cycle(started);
      } catch (err) {
        this.logger.error(
          `scrape cycle failed: ${(err as Error).stack ?? String(err)}`,
        );
      }
      this.lastProgress = Date.now();
      const wait = this.options.intervalMs - (Date.now() - started);
      if (wait > 0 && this.running) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = setTimeout(resolve, wait);
        });
        this.wake = null;
        this.timer = null;
      }
    }
  }

  private async cycle(startedAt: number): Promise<void> {
    const seq = ++this.begun;
    const instances = this.registry.list();
    const outcome = await this.runner.run({
      startedAt,
      targets: scrapeTargets(instances, this.options.port),
      instances: instances.map((i) => ({
        id: i.id,
        role: i.role,
        paused: i.status === 'paused',
        modelName: i.model_name,
      })),
    });
    this.store.publish(outcome.snapshot);
    this.completed++;
    this.cycleWaiters = this.cycleWaiters.filter((w) => {
      if (seq <= w.after) return true;
      w.resolve();
      return false;
    });
    this.self.scrapeCycles.inc();
    if (outcome.failures > 0) this.self.scrapeFailures.inc(outcome.failures);
    if (outcome.workerCpuSeconds !== undefined)
      this.self.observeWorkerThreadCpu(outcome.workerCpuSeconds);
    this.self.cycleSeconds.observe((Date.now() - startedAt) / 1000);
  }
}
