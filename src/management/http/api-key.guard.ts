import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestMiddleware,
  UnauthorizedException,
} from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { bearerToken } from '../../http/bearer-token.js';
import { APP_CONFIG } from '../../core/core-handles.js';
import { secretMatches } from '../../http/secret-compare.js';
import type { AppConfig } from '../../config/config.schema.js';

/** Header carrying the management API key. */
export const API_KEY_HEADER = 'x-api-key';

/**
 * When `api_config.mgmt_api_key` is set, the instance routes need it in
 * `X-API-Key` (or as `Authorization: Bearer <key>`). Probes never do.
 * ApiKeyMiddleware runs the check before the body is read; the guard keeps
 * the routes safe (and documented) whatever the middleware wiring.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    this.check(context.switchToHttp().getRequest<Request>());
    return true;
  }

  /** Throws 401 unless the request carries the key (or none is configured). */
  check(req: Request): void {
    const expected = this.config.api_config.mgmt_api_key;
    if (expected === '') return;
    const header = req.headers[API_KEY_HEADER];
    const given =
      typeof header === 'string'
        ? header
        : bearerToken(req.headers.authorization);
    if (!secretMatches(given, expected)) {
      throw new UnauthorizedException(
        `missing or wrong API key (send it in the X-API-Key header)`,
      );
    }
  }
}

/**
 * The same check as a middleware, before the body is read: an unauthorized
 * client never has its body parsed (nor its ids logged). The connection is
 * closed rather than drained of an unread body.
 */
@Injectable()
export class ApiKeyMiddleware implements NestMiddleware {
  constructor(private readonly guard: ApiKeyGuard) {}

  use(req: Request, res: Response, next: NextFunction): void {
    try {
      this.guard.check(req);
    } catch (err) {
      if (req.headers['content-length'] !== '0' && req.readable)
        res.setHeader('Connection', 'close');
      throw err;
    }
    next();
  }
}
