import {
  type MiddlewareConsumer,
  Module,
  type NestModule,
  RequestMethod,
} from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { APP_CONFIG } from '../core/core-handles.js';
import { ErrorBodyFilter } from '../http/error-body.filter.js';
import { ApiKeyGuard, ApiKeyMiddleware } from './http/api-key.guard.js';
import { JsonBodyMiddleware } from './http/json-body.middleware.js';
import { RefreshAuditMiddleware } from './http/refresh-audit.middleware.js';
import { createValidationPipe } from './http/validation.js';
import { ManagementIndexController } from './index.controller.js';
import { InstancesController } from './instances/instances.controller.js';
import { InstancesService } from './instances/instances.service.js';
import { LivenessIndicator } from './probes/liveness.health.js';
import { ReadinessIndicator } from './probes/readiness.health.js';
import { StartupIndicator } from './probes/startup.health.js';
import { ProbesController } from './probes/probes.controller.js';

/** Root module of the management app (port 1026). Core handles come from CoreHandlesModule. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [
    ManagementIndexController,
    ProbesController,
    InstancesController,
  ],
  providers: [
    {
      provide: APP_PIPE,
      useFactory: createValidationPipe,
      inject: [APP_CONFIG],
    },
    { provide: APP_FILTER, useClass: ErrorBodyFilter },
    StartupIndicator,
    LivenessIndicator,
    ReadinessIndicator,
    InstancesService,
    ApiKeyGuard,
  ],
})
export class ManagementModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(RefreshAuditMiddleware)
      .forRoutes({ path: 'instances/refresh', method: RequestMethod.POST });
    // Authentication first: no body is read for an unauthorized client.
    consumer
      .apply(ApiKeyMiddleware, JsonBodyMiddleware)
      .forRoutes(InstancesController);
  }
}
