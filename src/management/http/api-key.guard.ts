import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { bearerToken } from '../../bootstrap/bearer-token.js';
import { APP_CONFIG } from '../../bootstrap/core-handles.js';
import { secretMatches } from '../../bootstrap/secret-compare.js';
import type { AppConfig } from '../../config/config.schema.js';

/** Header carrying the management API key. */
export const API_KEY_HEADER = 'x-api-key';

/**
 * When `api_config.mgmt_api_key` is set, the instance routes need it in
 * `X-API-Key` (or as `Authorization: Bearer <key>`). Probes never do.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.api_config.mgmt_api_key;
    if (expected === '') return true;
    const req = context.switchToHttp().getRequest<Request>();
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
    return true;
  }
}
