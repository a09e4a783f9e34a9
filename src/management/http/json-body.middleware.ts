import {
  BadRequestException,
  HttpException,
  HttpStatus,
  Injectable,
  PayloadTooLargeException,
  type NestMiddleware,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import express, {
  type NextFunction,
  type Request,
  type Response,
} from 'express';

/** SPEC §2: refresh bodies are at most 10 MiB. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const parseJson = express.json({
  limit: MAX_BODY_BYTES,
  strict: false,
  type: () => true,
});

function forbiddenKeyPaths(value: unknown, path: string, out: string[]): void {
  if (out.length >= 10 || typeof value !== 'object' || value === null) return;
  for (const key of Object.keys(value)) {
    const at = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) out.push(at);
    forbiddenKeyPaths((value as Record<string, unknown>)[key], at, out);
  }
}

function isJsonContentType(req: Request): boolean {
  const type = req.headers['content-type'];
  if (type === undefined) return false;
  const mime = type.split(';')[0]!.trim().toLowerCase();
  return (
    mime === 'application/json' || /^application\/[\w.+-]+\+json$/.test(mime)
  );
}

/**
 * Reads JSON bodies of POST requests with the checks in a useful order:
 * 415 before reading a non-JSON body, 413 from Content-Length before reading a
 * too-large one, then 400 for bad JSON and for keys that could alter
 * prototypes. Errors are thrown (not passed to next) so Nest's exception
 * filter renders them like every other error.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (
      req.method !== 'POST' &&
      req.method !== 'PUT' &&
      req.method !== 'PATCH'
    ) {
      next();
      return;
    }
    if (!isJsonContentType(req)) {
      throw new UnsupportedMediaTypeException(
        'request body must be JSON (Content-Type: application/json)',
      );
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
      res.setHeader('Connection', 'close');
      throw new PayloadTooLargeException(
        `request body is ${declared} bytes; the limit is ${MAX_BODY_BYTES} bytes (10 MiB)`,
      );
    }
    await new Promise<void>((resolve, reject) => {
      parseJson(req, res, (err?: unknown) =>
        err ? reject(mapParseError(err, res)) : resolve(),
      );
    });
    const bad: string[] = [];
    forbiddenKeyPaths(req.body, '', bad);
    if (bad.length > 0) {
      throw new BadRequestException(
        `forbidden JSON keys at: ${bad.join(', ')}`,
      );
    }
    next();
  }
}

function mapParseError(err: unknown, res: Response): HttpException {
  const e = err as { type?: string; status?: number; message?: string };
  if (e.type === 'entity.too.large') {
    res.setHeader('Connection', 'close');
    return new PayloadTooLargeException(
      `request body exceeds the limit of ${MAX_BODY_BYTES} bytes (10 MiB)`,
    );
  }
  if (e.type === 'entity.parse.failed') {
    return new BadRequestException(
      `request body is not valid JSON: ${e.message ?? ''}`.trim(),
    );
  }
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return new UnsupportedMediaTypeException(
      e.message ?? 'unsupported encoding',
    );
  }
  return new HttpException(
    e.message ?? 'bad request body',
    e.status ?? HttpStatus.BAD_REQUEST,
  );
}
