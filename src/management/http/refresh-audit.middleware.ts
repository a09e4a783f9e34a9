import { Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { REFRESH_EVENTS } from '../../instances/instance.types.js';
import { SelfMetrics } from '../../scrape/self-metrics.js';

function auditFields(body: unknown): { event: string; ids: string } {
  if (typeof body !== 'object' || body === null)
    return { event: '-', ids: '-' };
  const b = body as { event?: unknown; instances?: unknown };
  const event = typeof b.event === 'string' ? b.event.slice(0, 32) : '-';
  const list = Array.isArray(b.instances) ? b.instances : [];
  const ids = list
    .slice(0, 50)
    .map((i: unknown) =>
      typeof i === 'object' && i !== null
        ? String((i as { id?: unknown }).id)
        : '?',
    )
    .join(',');
  return {
    event,
    ids: list.length > 50 ? `${ids},…(${list.length})` : ids || '-',
  };
}

/**
 * One audit line per refresh request, whatever its fate (415, 413, 401, 400,
 * 200): source address, event, ids, result. Never the body or the API key.
 */
@Injectable()
export class RefreshAuditMiddleware implements NestMiddleware {
  private readonly logger = new Logger('RefreshAudit');

  constructor(private readonly self: SelfMetrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = Date.now();
    res.once('finish', () => {
      const { event, ids } = auditFields(req.body);
      const known = (REFRESH_EVENTS as readonly string[]).includes(event);
      this.self.refreshRequests.inc({
        event: known ? event : 'invalid',
        code: String(res.statusCode),
      });
      this.logger.log(
        `refresh from=${req.socket.remoteAddress ?? '-'} event=${event} ids=${ids} status=${res.statusCode} result=${res.statusCode === 200 ? 'applied' : 'rejected'} ms=${Date.now() - started}`,
      );
    });
    next();
  }
}
