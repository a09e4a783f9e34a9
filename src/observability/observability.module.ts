import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ErrorBodyFilter } from '../bootstrap/error-body.filter.js';
import { HealthController, ScrapeLoopIndicator } from './health.controller.js';
import { ObservabilityIndexController } from './index.controller.js';
import { MetricsController } from './metrics.controller.js';

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
  ],
})
export class ObservabilityModule {}
