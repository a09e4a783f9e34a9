import type { AddressInfo } from 'node:net';
import type {
  INestApplication,
  INestApplicationContext,
  LoggerService,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from '../config/config.schema.js';
import { InstanceRegistry } from '../instances/instance-registry.js';
import { Leadership } from '../leadership/leadership.js';
import { LifecycleState } from '../lifecycle/lifecycle-state.js';
import { ManagementModule } from '../management/management.module.js';
import { ObservabilityModule } from '../observability/observability.module.js';
import { ViewStore } from '../pipeline/view-store.js';
import { CycleScheduler } from '../pipeline/cycle-scheduler.js';
import { SelfMetrics } from '../pipeline/self-metrics.js';
import {
  configureHttpApp,
  httpsOptionsFrom,
  setupSwagger,
} from './configure-http-app.js';
import type { CoreHandles } from '../core/core-handles.js';
import { CoreHandlesModule } from '../core/core-handles.module.js';
import { CoreModule } from '../core/core.module.js';
import { CoreRuntime } from '../core/core-runtime.js';
import { type AppLogger, createLogger } from './logger.js';

export interface Applications {
  readonly handles: CoreHandles;
  readonly core: INestApplicationContext;
  readonly management: INestApplication;
  readonly observability: INestApplication;
  /** Binds both ports, then bootstraps the core in the background. */
  listen(): Promise<{ managementUrl: string; observabilityUrl: string }>;
  /** Resolves once bootstrap is done (after listen()). */
  started(): Promise<void>;
  /**
   * The ordered shutdown: readiness 503 → drain delay → close management →
   * close observability → stop the core.
   */
  shutdown(drainMs?: number): Promise<void>;
}

export interface CreateOptions {
  /** The process logger (main.ts makes it); false: no logs (in-process tests). */
  readonly logger?: AppLogger | false;
}

function urlOf(app: INestApplication, tls: boolean): string {
  const addr = app.getHttpServer().address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `${tls ? 'https' : 'http'}://${host}:${addr.port}`;
}

/** Builds the core context and the two HTTP apps; main.ts and the e2e tests share it. */
export async function createApplications(
  config: AppConfig,
  options: CreateOptions = {},
): Promise<Applications> {
  const appLogger =
    options.logger === false
      ? undefined
      : (options.logger ?? createLogger(config));
  const logger: LoggerService | false = appLogger?.nest ?? false;
  const core = await NestFactory.createApplicationContext(
    CoreModule.forRoot(config),
    {
      logger,
    },
  );
  const handles: CoreHandles = Object.freeze({
    config,
    lifecycle: core.get(LifecycleState),
    leadership: core.get(Leadership),
    registry: core.get(InstanceRegistry),
    metrics: core.get(ViewStore),
    scheduler: core.get(CycleScheduler),
    selfMetrics: core.get(SelfMetrics),
  });
  const runtime = core.get(CoreRuntime);
  const httpsOptions = httpsOptionsFrom(config);
  const appOptions = {
    logger,
    bodyParser: false,
    httpsOptions,
    abortOnError: false,
  };

  const management = await NestFactory.create<NestExpressApplication>(
    {
      module: ManagementModule,
      imports: [CoreHandlesModule.forApp(handles)],
    },
    appOptions,
  );
  configureHttpApp(management, appLogger);
  setupSwagger(
    management,
    'management',
    'Motor Coordinator — management',
    'Probes and instance refresh of the Motor Coordinator management port.',
  );

  const observability = await NestFactory.create<NestExpressApplication>(
    {
      module: ObservabilityModule,
      imports: [CoreHandlesModule.forApp(handles)],
    },
    appOptions,
  );
  configureHttpApp(observability, appLogger);
  setupSwagger(
    observability,
    'observability',
    'Motor Coordinator — observability',
    'Aggregated engine metrics and health of the Motor Coordinator observability port.',
  );

  let startPromise: Promise<void> | null = null;
  let closed = false;
  const api = config.api_config;
  const tls = httpsOptions !== undefined;

  return {
    handles,
    core,
    management,
    observability,
    async listen() {
      await management.listen(
        api.coordinator_api_mgmt_port,
        api.coordinator_api_host,
      );
      await observability.listen(
        api.coordinator_obs_port,
        api.coordinator_api_host,
      );
      startPromise = runtime.start();
      return {
        managementUrl: urlOf(management, tls),
        observabilityUrl: urlOf(observability, tls),
      };
    },
    started() {
      return (
        startPromise ?? Promise.reject(new Error('listen() was not called'))
      );
    },
    async shutdown(drainMs = api.drain_delay_seconds * 1000) {
      if (closed) return;
      closed = true;
      handles.lifecycle.beginDrain();
      // A master resigns now, so a standby takes over during our drain.
      const resigned = runtime.resign();
      if (drainMs > 0) await new Promise((r) => setTimeout(r, drainMs));
      await resigned;
      await closeHttp(management);
      await closeHttp(observability);
      await runtime.stop();
      await core.close();
    },
  };
}

/** Closes an app; connections still busy after a second are cut. */
async function closeHttp(app: INestApplication): Promise<void> {
  const server = app.getHttpServer() as import('node:http').Server;
  const cut = setTimeout(() => server.closeAllConnections(), 1000);
  cut.unref();
  try {
    await app.close();
  } finally {
    clearTimeout(cut);
  }
}
