import type { AppConfig } from '../config/config.schema.js';
import type { InstanceRegistry } from '../instances/instance-registry.js';
import type { Leadership } from '../leadership/leadership.js';
import type { LifecycleState } from '../lifecycle/lifecycle-state.js';
import type { ViewStore } from '../pipeline/view-store.js';
import type { CycleScheduler } from '../pipeline/cycle-scheduler.js';
import type { SelfMetrics } from '../pipeline/self-metrics.js';

/** DI token of the frozen configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * The core's singletons, handed to both HTTP apps. None of them implements a
 * Nest lifecycle hook: the core's CoreRuntime drives them, so they start and
 * stop exactly once however many apps share them.
 */
export interface CoreHandles {
  readonly config: AppConfig;
  readonly lifecycle: LifecycleState;
  readonly leadership: Leadership;
  readonly registry: InstanceRegistry;
  readonly metrics: ViewStore;
  readonly scheduler: CycleScheduler;
  readonly selfMetrics: SelfMetrics;
}
