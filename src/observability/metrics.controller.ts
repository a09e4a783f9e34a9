import {
  Controller,
  Get,
  Header,
  HttpCode,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ErrorBodyDto } from '../http/error-body.dto.js';
import { ViewStore } from '../pipeline/view-store.js';
import { SelfMetrics } from '../pipeline/self-metrics.js';
import { MetricsBearerGuard } from './metrics-bearer.guard.js';
import { MetricsQueryDto, metricsQueryPipe } from './metrics-query.dto.js';

export const DEPRECATED_INSTANCE_METRICS_BODY =
  '# /instance/metrics is deprecated. Use GET /metrics?type=instance instead.';

/** Views up to this size are sent joined with the own metrics in one buffer. */
const JOIN_LIMIT = 1 << 20;

/** Hands out the views of the last cycle; it never aggregates. */
@ApiTags('metrics')
@Controller()
export class MetricsController {
  private readonly joins = new WeakMap<Buffer, { own: Buffer; both: Buffer }>();
  constructor(
    private readonly store: ViewStore,
    private readonly self: SelfMetrics,
  ) {}

  @Get('metrics')
  @UseGuards(MetricsBearerGuard)
  @ApiBearerAuth('metrics-bearer')
  @ApiOperation({
    summary: 'Aggregated metrics of every engine endpoint',
    description:
      'Views: full (whole cluster), instance (instance_id, role), role (role), dp (each endpoint: dp_rank, role, instance_id, pod_ip), node (pod_ip, role). Computed once per scrape cycle.',
  })
  @ApiProduces('text/plain; version=0.0.4; charset=utf-8', 'application/json')
  @ApiOkResponse({
    description: 'Prometheus text or OTLP JSON',
    content: {
      'text/plain; version=0.0.4; charset=utf-8': {
        schema: { type: 'string' },
      },
      'application/json': {
        schema: {
          type: 'object',
          description: 'OTLP JSON (ExportMetricsServiceRequest)',
        },
      },
    },
  })
  @ApiBadRequestResponse({
    description: 'invalid role or format',
    type: ErrorBodyDto,
  })
  @ApiUnauthorizedResponse({
    description: 'a bearer token is configured and missing or wrong',
    type: ErrorBodyDto,
  })
  async metrics(
    @Res() res: Response,
    @Query(metricsQueryPipe) query: MetricsQueryDto,
  ): Promise<void> {
    const view = query.view();
    const roleFilter = query.roleFilter();
    const fmt = query.outputFormat();
    const rendered = await this.store.render(view, roleFilter, fmt);
    res.setHeader('Content-Type', rendered.contentType);
    res.setHeader('Cache-Control', 'no-store');
    if (fmt === 'prometheus') {
      const own = await this.self.text();
      res.status(200);
      if (rendered.body.length > JOIN_LIMIT) {
        // Two writes: never copy a large view just to append a few KB.
        res.setHeader('Content-Length', rendered.body.length + own.length);
        res.write(rendered.body);
        res.end(own);
        return;
      }
      res.end(this.joined(rendered.body, own));
      return;
    }
    res.send(rendered.body);
  }

  @Get('instance/metrics')
  @HttpCode(410)
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiOperation({
    summary: 'Deprecated: use GET /metrics?type=instance',
    deprecated: true,
  })
  @ApiResponse({ status: 410, description: DEPRECATED_INSTANCE_METRICS_BODY })
  deprecated(): string {
    return DEPRECATED_INSTANCE_METRICS_BODY;
  }

  /** A small view and the own metrics in one buffer, made once per pair. */
  private joined(view: Buffer, own: Buffer): Buffer {
    const hit = this.joins.get(view);
    if (hit?.own === own) return hit.both;
    const both = Buffer.concat([view, own]);
    this.joins.set(view, { own, both });
    return both;
  }
}
