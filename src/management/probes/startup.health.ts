import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { LifecycleState } from '../../lifecycle/lifecycle-state.js';

/** Bootstrap done (config loaded, registry restored)? */
@Injectable()
export class StartupIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly lifecycle: LifecycleState,
  ) {}

  check() {
    const probe = this.health.check('startup');
    if (this.lifecycle.phase === 'starting') {
      const why = this.lifecycle.startupProblem;
      return probe.down({
        message: why
          ? `Coordinator is starting up: ${why}`
          : 'Coordinator is not started yet',
      });
    }
    return probe.up({ message: 'Coordinator is starting up' });
  }
}
