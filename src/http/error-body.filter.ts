import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { RefreshRejectedError } from '../instances/refresh-rejected.error.js';
import {
  RegistryTooLargeError,
  RegistryUnavailableError,
} from '../instances/registry-errors.js';

/** Domain errors and the HTTP status that answers each. */
const DOMAIN_STATUS: readonly [new (...args: never[]) => Error, number][] = [
  [RegistryUnavailableError, HttpStatus.SERVICE_UNAVAILABLE],
  [RegistryTooLargeError, HttpStatus.PAYLOAD_TOO_LARGE],
];

/**
 * One error shape for every route: `{status:"error", message, errors?}` plus
 * `request_id` when the client sent `X-Request-Id`. Domain errors (plain
 * Error subclasses, e.g. of the registry) get their status here, at the edge.
 * Unexpected errors are logged with their stack and answered with a 500 that
 * reveals nothing.
 */
@Catch()
export class ErrorBodyFilter implements ExceptionFilter {
  private readonly logger = new Logger(ErrorBodyFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const req = http.getRequest<Request>();
    let status: number = HttpStatus.INTERNAL_SERVER_ERROR;
    let message = 'internal error';
    let errors: readonly string[] | undefined;
    const domain = DOMAIN_STATUS.find(([type]) => exception instanceof type);
    if (domain) {
      status = domain[1];
      message = (exception as Error).message;
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      const body = exception.getResponse();
      if (typeof body === 'string') message = body;
      else {
        const b = body as { message?: unknown; errors?: unknown };
        if (Array.isArray(b.message)) {
          errors = b.message.map(String);
          message = 'request validation failed';
        } else if (typeof b.message === 'string') message = b.message;
        if (Array.isArray(b.errors)) errors = b.errors.map(String);
      }
    } else if (exception instanceof RefreshRejectedError) {
      status =
        exception.kind === 'limit'
          ? HttpStatus.PAYLOAD_TOO_LARGE
          : HttpStatus.BAD_REQUEST;
      message = exception.message;
      if (exception.errors.length > 0) errors = exception.errors;
    } else {
      this.logger.error(
        `${req.method} ${req.url} failed: ${(exception as Error)?.stack ?? String(exception)}`,
      );
    }
    if (res.headersSent) return;
    const requestId = req.headers['x-request-id'];
    res.status(status).json({
      ...(typeof requestId === 'string' && requestId !== ''
        ? { request_id: requestId }
        : {}),
      status: 'error',
      message,
      ...(errors ? { errors } : {}),
    });
  }
}
