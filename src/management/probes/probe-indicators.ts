import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { APP_CONFIG } from '../../bootstrap/core-handles.js';
import type { AppConfig } from '../../config/config.schema.js';
import { hasServingSet } from '../../instances/apply-refresh.js';
import { InstanceRegistry } from '../../instances/instance-registry.js';
import { Leadership } from '../../leadership/leadership.js';
import { LifecycleState } from '../../lifecycle/lifecycle-state.js';
import { ScrapeScheduler } from '../../scrape/scrape-scheduler.js';

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

/** Is the process making progress? (Not: are engines or etcd reachable.) */
@Injectable()
export class LivenessIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly scheduler: ScrapeScheduler,
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

/** Should the Service route traffic (and the controller push instances) here? */
@Injectable()
export class ReadinessIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly lifecycle: LifecycleState,
    private readonly leadership: Leadership,
    private readonly registry: InstanceRegistry,
  ) {}

  check() {
    const probe = this.health.check('readiness');
    const phase = this.lifecycle.phase;
    if (phase === 'draining')
      return probe.down({ message: 'Coordinator is shutting down' });
    if (phase === 'starting')
      return probe.down({ message: 'Coordinator is not started yet' });
    const standby = this.config.standby_config.enable_master_standby;
    if (standby && !this.leadership.isMaster()) {
      return probe.down({ message: 'Coordinator is not master' });
    }
    return probe.up({
      message: standby ? 'Coordinator is master' : 'Coordinator is ok',
      ready: hasServingSet(this.registry.list()),
    });
  }
}
