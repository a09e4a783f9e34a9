import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/config.schema.js';
import { scrapeTiming } from '../config/load-config.js';
import {
  InMemoryInstanceRegistry,
  InstanceRegistry,
} from '../instances/instance-registry.js';
import { registryLimitsFrom } from '../instances/registry-limits.js';
import { Leadership, StandaloneLeadership } from '../leadership/leadership.js';
import { LifecycleState } from '../lifecycle/lifecycle-state.js';
import { InlineDigester } from '../scrape/inline-digester.js';
import { WorkerDigester } from '../scrape/worker-digester.js';
import { MetricsStore } from '../scrape/metrics-store.js';
import type { DigestOptions } from '../scrape/digest.types.js';
import { ScrapeScheduler } from '../scrape/scrape-scheduler.js';
import { SelfMetrics } from '../scrape/self-metrics.js';
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
                ).EtcdLeadership.fromConfig(config)
              : new StandaloneLeadership(),
        },
        {
          provide: InstanceRegistry,
          useFactory: async () =>
            config.standby_config.enable_master_standby
              ? (
                  await import('../instances/etcd-instance-registry.js')
                ).EtcdInstanceRegistry.fromConfig(config)
              : new InMemoryInstanceRegistry(registryLimitsFrom(config)),
        },
        {
          provide: MetricsStore,
          useFactory: () => {
            const options: DigestOptions = {
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
              pageLimits: {
                maxSeriesPerPage: metricsCfg.max_series_per_page,
                maxLabelsPerSeries: metricsCfg.max_labels_per_series,
                maxLabelNameLength: metricsCfg.max_label_name_length,
                maxLabelValueLength: metricsCfg.max_label_value_length,
                maxBucketsPerHistogram: metricsCfg.max_buckets_per_histogram,
              },
            };
            return new MetricsStore(
              metricsCfg.digest_in_worker
                ? new WorkerDigester(options)
                : new InlineDigester(options),
            );
          },
        },
        {
          provide: ScrapeScheduler,
          inject: [InstanceRegistry, MetricsStore, SelfMetrics],
          useFactory: (
            registry: InstanceRegistry,
            store: MetricsStore,
            self: SelfMetrics,
          ) =>
            new ScrapeScheduler(registry, store, self, {
              intervalMs: timing.intervalMs,
              port: metricsCfg.scrape_port,
            }),
        },
        CoreRuntime,
      ],
    };
  }
}
