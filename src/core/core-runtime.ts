import { Injectable, Logger } from '@nestjs/common';
import { InstanceRegistry } from '../instances/instance-registry.js';
import { Leadership } from '../leadership/leadership.js';
import { LifecycleState } from '../lifecycle/lifecycle-state.js';
import { CycleRunner } from '../pipeline/pipeline.types.js';
import { CycleScheduler } from '../pipeline/cycle-scheduler.js';
import { SelfMetrics } from '../pipeline/self-metrics.js';

const RETRY_MS = 1000;

/**
 * The one owner of the core's lifecycle: starts and stops its singletons
 * once, in order. Bootstrap runs after
 * the HTTP servers listen, so `/startup` can answer 503 while it is not done
 * (e.g. while etcd is unreachable) and the process keeps retrying.
 */
@Injectable()
export class CoreRuntime {
  private readonly logger = new Logger(CoreRuntime.name);
  private stopping = false;
  private resigned: Promise<void> | null = null;

  constructor(
    private readonly lifecycle: LifecycleState,
    private readonly leadership: Leadership,
    private readonly registry: InstanceRegistry,
    private readonly runner: CycleRunner,
    private readonly scheduler: CycleScheduler,
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

  /**
   * Gives up leadership (a master resigns, so a standby takes over during
   * our drain). Closes it once, however often it is called.
   */
  resign(): Promise<void> {
    this.resigned ??= this.leadership.close();
    return this.resigned;
  }

  /** Stops everything, in order: scrape loop, its cycle runner, leadership, registry. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.scheduler.stop();
    await this.runner.close();
    await this.resign();
    await this.registry.close();
  }
}
