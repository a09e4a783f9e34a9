import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ErrorBodyFilter } from '../http/error-body.filter.js';
import { HealthController } from './health.controller.js';
import { ObservabilityIndexController } from './index.controller.js';
import { MetricsBearerGuard } from './metrics-bearer.guard.js';
import { MetricsController } from './metrics.controller.js';
import { ScrapeLoopIndicator } from './scrape-loop.health.js';

/** Root module of the observability app (port 1027). */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [
    ObservabilityIndexController,
    MetricsController,
    HealthController,
  ],
  providers: [
    { provide: APP_FILTER, useClass: ErrorBodyFilter },
    ScrapeLoopIndicator,
    MetricsBearerGuard,
  ],
})
export class ObservabilityModule {}
