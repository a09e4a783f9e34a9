import { Injectable, Logger } from '@nestjs/common';
import { InstanceRegistry } from '../instances/instance-registry.js';
import { Leadership } from '../leadership/leadership.js';
import { LifecycleState } from '../lifecycle/lifecycle-state.js';
import { MetricsStore } from '../scrape/metrics-store.js';
import { ScrapeScheduler } from '../scrape/scrape-scheduler.js';
import { SelfMetrics } from '../scrape/self-metrics.js';

const RETRY_MS = 1000;

/**
 * Starts and stops the core's singletons once, in order. Bootstrap runs after
 * the HTTP servers listen, so `/startup` can answer 503 while it is not done
 * (e.g. while etcd is unreachable) and the process keeps retrying.
 */
@Injectable()
export class CoreRuntime {
  private readonly logger = new Logger(CoreRuntime.name);
  private stopping = false;

  constructor(
    private readonly lifecycle: LifecycleState,
    private readonly leadership: Leadership,
    private readonly registry: InstanceRegistry,
    private readonly metrics: MetricsStore,
    private readonly scheduler: ScrapeScheduler,
    private readonly self: SelfMetrics,
  ) {
    this.registry.onChange((list) =>
      this.self.registeredInstances.set(list.length),
    );
    this.self.watchLeadership(() => this.leadership.isMaster());
  }

  /** Resolves once bootstrap is done; retries until it is (or stop() is called). */
  async start(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.leadership.start();
        await this.registry.restore();
        this.self.registeredInstances.set(this.registry.list().length);
        this.scheduler.start();
        this.lifecycle.markRunning();
        this.logger.log(
          `bootstrap done: ${this.registry.list().length} instances, leadership ${this.leadership.mode}`,
        );
        return;
      } catch (err) {
        const reason = (err as Error).message;
        this.lifecycle.reportStartupProblem(reason);
        this.logger.warn(
          `bootstrap not done yet (${reason}); retrying in ${RETRY_MS} ms`,
        );
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.scheduler.stop();
    await this.metrics.close();
    await this.leadership.close();
    await this.registry.close();
  }
}
