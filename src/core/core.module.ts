import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/config.schema.js';
import { familyFilterOptions, scrapeTiming } from '../config/load-config.js';
import {
  InMemoryInstanceRegistry,
  InstanceRegistry,
} from '../instances/instance-registry.js';
import { registryLimitsFrom } from './settings-from-config.js';
import { Leadership, StandaloneLeadership } from '../leadership/leadership.js';
import { LifecycleState } from '../lifecycle/lifecycle-state.js';
import { InlineCycleRunner } from '../pipeline/inline-cycle-runner.js';
import { WorkerCycleRunner } from '../pipeline/worker-cycle-runner.js';
import { ViewStore } from '../pipeline/view-store.js';
import {
  CycleRunner,
  type DropListener,
  type PipelineOptions,
} from '../pipeline/pipeline.types.js';
import { CycleScheduler } from '../pipeline/cycle-scheduler.js';
import { SelfMetrics } from '../pipeline/self-metrics.js';
import { APP_CONFIG } from './core-handles.js';
import { CoreRuntime } from './core-runtime.js';

/** The core application context (no HTTP): owns every singleton. */
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig): DynamicModule {
    const timing = scrapeTiming(config);
    const metricsCfg = config.prometheus_metrics_config;
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LifecycleState, useValue: new LifecycleState() },
        { provide: SelfMetrics, useValue: new SelfMetrics() },
        // The etcd modules (and their gRPC stack, ~28 MB) load only for master/standby.
        {
          provide: Leadership,
          useFactory: async () =>
            config.standby_config.enable_master_standby
              ? (
                  await import('../leadership/etcd-leadership.js')
                ).EtcdLeadership.fromConfig(config.etcd_config)
              : new StandaloneLeadership(),
        },
        {
          provide: InstanceRegistry,
          useFactory: async () =>
            config.standby_config.enable_master_standby
              ? (
                  await import('../instances/etcd-instance-registry.js')
                ).EtcdInstanceRegistry.fromConfig(
                  config.etcd_config,
                  registryLimitsFrom(config),
                )
              : new InMemoryInstanceRegistry(registryLimitsFrom(config)),
        },
        {
          provide: CycleRunner,
          inject: [SelfMetrics],
          useFactory: (self: SelfMetrics) => {
            const options: PipelineOptions = {
              fetch: {
                timeoutMs: timing.timeoutMs,
                maxBytes: metricsCfg.max_page_bytes,
                maxSockets: metricsCfg.scrape_concurrency,
                gzip: metricsCfg.scrape_gzip,
              },
              concurrency: metricsCfg.scrape_concurrency,
              maxPageBytes: metricsCfg.max_page_bytes,
              staleAfterMs: timing.staleAfterMs,
              // a window spans at least one cycle
              windowMs: Math.round(
                Math.max(metricsCfg.quantile_window, metricsCfg.reuse_time) *
                  1000,
              ),
              rankLabels: metricsCfg.rank_labels,
              families: familyFilterOptions(config),
              pageLimits: {
                maxSeriesPerPage: metricsCfg.max_series_per_page,
                maxLabelsPerSeries: metricsCfg.max_labels_per_series,
                maxLabelNameLength: metricsCfg.max_label_name_length,
                maxLabelValueLength: metricsCfg.max_label_value_length,
                maxBucketsPerHistogram: metricsCfg.max_buckets_per_histogram,
              },
            };
            const onDropped: DropListener = (view, dropped) =>
              self.observeDropped(view, dropped);
            return metricsCfg.digest_in_worker
              ? new WorkerCycleRunner(options, onDropped)
              : new InlineCycleRunner(options, onDropped);
          },
        },
        {
          provide: ViewStore,
          inject: [CycleRunner],
          useFactory: (runner: CycleRunner) =>
            new ViewStore(runner.empty(Date.now())),
        },
        {
          provide: CycleScheduler,
          inject: [InstanceRegistry, CycleRunner, ViewStore, SelfMetrics],
          useFactory: (
            registry: InstanceRegistry,
            runner: CycleRunner,
            store: ViewStore,
            self: SelfMetrics,
          ) =>
            new CycleScheduler(registry, runner, store, self, {
              intervalMs: timing.intervalMs,
              port: metricsCfg.scrape_port,
            }),
        },
        CoreRuntime,
      ],
    };
  }
}
