import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppLogger } from './logger.js';

export const REQUEST_ID_HEADER = 'x-request-id';
const MAX_REQUEST_ID = 128;
const PRINTABLE = /^[\x21-\x7e]+$/;

/** The request id of a request: its X-Request-Id when sane, else a fresh UUID (once). */
export function requestIdOf(req: IncomingMessage): string {
  const known = (req as { id?: unknown }).id;
  if (typeof known === 'string') return known;
  const header = req.headers[REQUEST_ID_HEADER];
  const id =
    typeof header === 'string' &&
    header.length <= MAX_REQUEST_ID &&
    PRINTABLE.test(header)
      ? header
      : randomUUID();
  (req as { id?: string }).id = id;
  return id;
}

/**
 * Express middleware, first on both apps: fixes the request id, answers it
 * in `X-Request-Id`, and runs the rest of the request in a logging context
 * so that every line logged for it carries `request_id`.
 */
export function requestContext(logger: AppLogger | undefined) {
  return (
    req: IncomingMessage,
    res: ServerResponse,
    next: () => void,
  ): void => {
    const id = requestIdOf(req);
    res.setHeader('X-Request-Id', id);
    if (logger) logger.runInContext(next, { request_id: id });
    else next();
  };
}
