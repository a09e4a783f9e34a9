import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { APP_CONFIG } from '../../core/core-handles.js';
import type { AppConfig } from '../../config/config.schema.js';
import { hasServingSet } from '../../instances/apply-refresh.js';
import { InstanceRegistry } from '../../instances/instance-registry.js';
import { Leadership } from '../../leadership/leadership.js';
import { LifecycleState } from '../../lifecycle/lifecycle-state.js';

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
