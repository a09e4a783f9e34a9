import { Controller, Get, Header, Res } from '@nestjs/common';
import { runCheck } from '../../http/health-check.js';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  HealthCheckService,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import type { Response } from 'express';
import { LivenessIndicator } from './liveness.health.js';
import { ReadinessIndicator } from './readiness.health.js';
import { StartupIndicator } from './startup.health.js';

interface ProbeDetails {
  message?: string;
  ready?: boolean;
}

/**
 * Kubernetes probes. Terminus runs the indicators; the bodies are the
 * upstream ones (`{"status","message"}`, readiness adds `ready`).
 */
@ApiTags('probes')
@Controller()
export class ProbesController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly startup: StartupIndicator,
    private readonly liveness: LivenessIndicator,
    private readonly readiness: ReadinessIndicator,
  ) {}

  @Get('startup')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Startup probe: 200 once bootstrap is done' })
  @ApiOkResponse({
    schema: {
      example: { status: 'ok', message: 'Coordinator is starting up' },
    },
  })
  @ApiServiceUnavailableResponse({ description: 'bootstrap not done' })
  async getStartup(@Res({ passthrough: true }) res: Response) {
    const { ok, details } = await this.run('startup', () =>
      this.startup.check(),
    );
    res.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'error', message: details.message };
  }

  @Get('liveness')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Liveness probe: 503 only when a restart would help',
  })
  @ApiOkResponse({
    schema: { example: { status: 'ok', message: 'Coordinator is alive' } },
  })
  @ApiServiceUnavailableResponse({
    description: 'the scrape loop is stuck: a restart would help',
  })
  async getLiveness(@Res({ passthrough: true }) res: Response) {
    const { ok, details } = await this.run('liveness', () =>
      this.liveness.check(),
    );
    res.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'error', message: details.message };
  }

  @Get('readiness')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Readiness probe',
    description:
      '200 with ready=true when an active prefill+decode pair or an active union instance is registered; 200 with ready=false otherwise (the pod must stay reachable for refreshes). 503 when draining or not master.',
  })
  @ApiOkResponse({
    schema: {
      example: { status: 'ok', message: 'Coordinator is ok', ready: true },
    },
  })
  @ApiServiceUnavailableResponse({
    schema: {
      example: {
        status: 'error',
        message: 'Coordinator is not master',
        ready: false,
      },
    },
  })
  async getReadiness(@Res({ passthrough: true }) res: Response) {
    const { ok, details } = await this.run('readiness', () =>
      this.readiness.check(),
    );
    res.status(ok ? 200 : 503);
    return {
      status: ok ? 'ok' : 'error',
      message: details.message,
      ready: ok ? details.ready === true : false,
    };
  }

  private run(key: string, indicator: HealthIndicatorFunction) {
    return runCheck<ProbeDetails>(this.health, key, indicator);
  }
}
