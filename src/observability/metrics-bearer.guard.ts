import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { bearerToken } from '../http/bearer-token.js';
import { APP_CONFIG } from '../core/core-handles.js';
import { secretMatches } from '../http/secret-compare.js';
import type { AppConfig } from '../config/config.schema.js';

/**
 * When `api_config.metrics_bearer_token` is set, `GET /metrics` needs
 * `Authorization: Bearer <token>`.
 */
@Injectable()
export class MetricsBearerGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const token = this.config.api_config.metrics_bearer_token;
    if (token === '') return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (!secretMatches(bearerToken(req.headers.authorization), token)) {
      throw new UnauthorizedException('missing or wrong bearer token');
    }
    return true;
  }
}
