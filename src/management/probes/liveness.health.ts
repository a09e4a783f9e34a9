import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CycleScheduler } from '../../pipeline/cycle-scheduler.js';

/** Is the process making progress? (Not: are engines or etcd reachable.) */
@Injectable()
export class LivenessIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly scheduler: CycleScheduler,
  ) {}

  check() {
    const probe = this.health.check('liveness');
    const stalled = this.scheduler.stalledForSeconds();
    if (stalled !== null) {
      return probe.down({
        message: `Coordinator is stuck: no scrape cycle finished for ${stalled} s`,
      });
    }
    return probe.up({ message: 'Coordinator is alive' });
  }
}
