import {
  BadRequestException,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Query,
  Res,
  UnauthorizedException,
  Headers,
} from '@nestjs/common';
import {
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import {
  OUTPUT_FORMATS,
  VIEW_TYPES,
  type OutputFormat,
  type ViewType,
} from '../aggregate/cycle.types.js';
import { APP_CONFIG } from '../bootstrap/core-handles.js';
import { secretMatches } from '../bootstrap/secret-compare.js';
import type { AppConfig } from '../config/config.schema.js';
import { ROLES, type Role } from '../instances/role.js';
import { MetricsStore } from '../scrape/metrics-store.js';
import { SelfMetrics } from '../scrape/self-metrics.js';

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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: MetricsStore,
    private readonly self: SelfMetrics,
  ) {}

  @Get('metrics')
  @ApiOperation({
    summary: 'Aggregated metrics of every engine endpoint',
    description:
      'Views: full (whole cluster), instance (instance_id, role), role (role), dp (each endpoint: dp_rank, role, instance_id, pod_ip), node (pod_ip, role). Computed once per scrape cycle.',
  })
  @ApiQuery({
    name: 'type',
    required: false,
    enum: VIEW_TYPES,
    description: 'unknown values mean full',
  })
  @ApiQuery({
    name: 'role',
    required: false,
    enum: ROLES,
    description: 'only with type=role',
  })
  @ApiQuery({ name: 'format', required: false, enum: OUTPUT_FORMATS })
  @ApiProduces('text/plain; version=0.0.4; charset=utf-8', 'application/json')
  @ApiResponse({ status: 200, description: 'Prometheus text or OTLP JSON' })
  @ApiResponse({ status: 400, description: 'invalid role or format' })
  async metrics(
    @Res() res: Response,
    @Query('type') type?: unknown,
    @Query('role') role?: unknown,
    @Query('format') format?: unknown,
    @Headers('authorization') authorization?: string,
  ): Promise<void> {
    this.authorize(authorization);
    const view: ViewType = VIEW_TYPES.includes(type as ViewType)
      ? (type as ViewType)
      : 'full';
    let roleFilter: Role | undefined;
    if (view === 'role' && role !== undefined && role !== '') {
      if (!ROLES.includes(role as Role)) {
        throw new BadRequestException(
          `role must be one of ${ROLES.join(', ')}`,
        );
      }
      roleFilter = role as Role;
    }
    let fmt: OutputFormat = 'prometheus';
    if (format !== undefined && format !== '') {
      if (!OUTPUT_FORMATS.includes(format as OutputFormat)) {
        throw new BadRequestException(
          `format must be one of ${OUTPUT_FORMATS.join(', ')}`,
        );
      }
      fmt = format as OutputFormat;
    }
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

  private authorize(authorization: string | undefined): void {
    const token = this.config.api_config.metrics_bearer_token;
    if (token === '') return;
    const given = authorization?.startsWith('Bearer ')
      ? authorization.slice(7)
      : undefined;
    if (!secretMatches(given, token)) {
      throw new UnauthorizedException('missing or wrong bearer token');
    }
  }
}
