import { type DynamicModule, Global, Module } from '@nestjs/common';
import { InstanceRegistry } from '../instances/instance-registry.js';
import { Leadership } from '../leadership/leadership.js';
import { LifecycleState } from '../lifecycle/lifecycle-state.js';
import { ViewStore } from '../pipeline/view-store.js';
import { CycleScheduler } from '../pipeline/cycle-scheduler.js';
import { SelfMetrics } from '../pipeline/self-metrics.js';
import { APP_CONFIG, type CoreHandles } from './core-handles.js';

/** Re-exposes the core's singletons inside an HTTP app, by class token. */
@Global()
@Module({})
export class CoreHandlesModule {
  static forApp(handles: CoreHandles): DynamicModule {
    const providers = [
      { provide: APP_CONFIG, useValue: handles.config },
      { provide: LifecycleState, useValue: handles.lifecycle },
      { provide: Leadership, useValue: handles.leadership },
      { provide: InstanceRegistry, useValue: handles.registry },
      { provide: ViewStore, useValue: handles.metrics },
      { provide: CycleScheduler, useValue: handles.scheduler },
      { provide: SelfMetrics, useValue: handles.selfMetrics },
    ];
    return {
      module: CoreHandlesModule,
      providers,
      exports: providers.map((p) => p.provide),
    };
  }
}
