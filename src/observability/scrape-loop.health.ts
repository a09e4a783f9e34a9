import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { LifecycleState } from '../lifecycle/lifecycle-state.js';
import { CycleScheduler } from '../pipeline/cycle-scheduler.js';

/** The scrape loop runs and makes progress. */
@Injectable()
export class ScrapeLoopIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly scheduler: CycleScheduler,
    private readonly lifecycle: LifecycleState,
  ) {}

  check() {
    const probe = this.health.check('scrape_loop');
    if (this.lifecycle.phase === 'starting')
      return probe.down({ message: 'scrape loop not started' });
    if (!this.scheduler.isRunning)
      return probe.down({ message: 'scrape loop stopped' });
    const stalled = this.scheduler.stalledForSeconds();
    if (stalled !== null) {
      return probe.down({
        message: `no scrape cycle finished for ${stalled} s`,
      });
    }
    return probe.up({ cycles: this.scheduler.cyclesCompleted });
  }
}
