import { AsyncResource } from 'node:async_hooks';
import { Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { REFRESH_EVENTS } from '../../instances/instance.types.js';
import { SelfMetrics } from '../../pipeline/self-metrics.js';

/** Ids listed in an audit line; the rest are only counted. */
export const AUDIT_MAX_IDS = 10;
/** Longest string value (event, a non-numeric id) kept in an audit line. */
export const AUDIT_MAX_STRING = 64;

export interface AuditFields {
  readonly from: string;
  readonly route: string;
  readonly status: number;
  readonly result: 'applied' | 'rejected';
  /** Absent on 401: nothing of the body is read before authentication. */
  readonly event?: string;
  readonly ids?: readonly (number | string)[];
  readonly ids_count?: number;
}

function capped(s: string): string {
  return s.length > AUDIT_MAX_STRING
    ? `${s.slice(0, AUDIT_MAX_STRING)}…(${s.length} chars)`
    : s;
}

function auditId(item: unknown): number | string {
  if (typeof item !== 'object' || item === null) return '?';
  const id = (item as { id?: unknown }).id;
  if (typeof id === 'number') return id;
  return typeof id === 'string' ? capped(id) : '?';
}

/**
 * The fields of one audit line, bounded whatever the body: the event and
 * string ids are cut to AUDIT_MAX_STRING characters, the first AUDIT_MAX_IDS
 * ids are listed and `ids_count` gives their number. Values stay separate
 * fields; the logger escapes them (JSON, or quoted in text mode).
 */
export function auditFields(
  req: Pick<Request, 'body' | 'method' | 'path'> & {
    socket: { remoteAddress?: string };
  },
  status: number,
): AuditFields {
  const base = {
    from: req.socket.remoteAddress ?? '-',
    route: `${req.method} ${capped(req.path)}`,
    status,
    result: status === 200 ? ('applied' as const) : ('rejected' as const),
  };
  if (status === 401) return base;
  const body: unknown = req.body;
  const b =
    typeof body === 'object' && body !== null
      ? (body as { event?: unknown; instances?: unknown })
      : {};
  const list: readonly unknown[] = Array.isArray(b.instances)
    ? b.instances
    : [];
  return {
    ...base,
    event: typeof b.event === 'string' ? capped(b.event) : '-',
    ids: list.slice(0, AUDIT_MAX_IDS).map(auditId),
    ids_count: list.length,
  };
}

/**
 * One audit line per refresh request, whatever its fate (415, 413, 401, 400,
 * 200): who, what route, event, ids, status; the request id comes with the
 * request's logging context. Never the body or the API key.
 */
@Injectable()
export class RefreshAuditMiddleware implements NestMiddleware {
  private readonly logger = new Logger('RefreshAudit');

  constructor(private readonly self: SelfMetrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = Date.now();
    // Bound here, so the line keeps the request's logging context (its id).
    const done = AsyncResource.bind(() => {
      const fields = auditFields(req, res.statusCode);
      const known =
        fields.event !== undefined &&
        (REFRESH_EVENTS as readonly string[]).includes(fields.event);
      this.self.refreshRequests.inc({
        event: known ? fields.event! : 'invalid',
        code: String(res.statusCode),
      });
      this.logger.log({ msg: 'refresh', ...fields, ms: Date.now() - started });
    });
    res.once('finish', done);
    next();
  }
}
