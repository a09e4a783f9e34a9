import { Controller, Get, Header, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheckService } from '@nestjs/terminus';
import type { Response } from 'express';
import { runCheck } from '../http/health-check.js';
import { ScrapeLoopIndicator } from './scrape-loop.health.js';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly scrapeLoop: ScrapeLoopIndicator,
  ) {}

  @Get('health')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Health of the observability server and the scrape loop',
  })
  @ApiOkResponse({
    schema: {
      example: { status: 'ok', timestamp: '2026-01-29T12:00:00.000Z' },
    },
  })
  @ApiServiceUnavailableResponse({
    schema: { example: { status: 'error', message: 'scrape loop stopped' } },
  })
  async getHealth(@Res({ passthrough: true }) res: Response) {
    const timestamp = new Date().toISOString();
    const { ok, details } = await runCheck<{ message: string }>(
      this.health,
      'scrape_loop',
      () => this.scrapeLoop.check(),
    );
    if (ok) return { status: 'ok', timestamp };
    res.status(503);
    return {
      status: 'error',
      message: details.message ?? 'unhealthy',
      timestamp,
    };
  }
}
