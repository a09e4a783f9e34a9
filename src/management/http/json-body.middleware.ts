import {
  BadRequestException,
  HttpException,
  HttpStatus,
  Inject,
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
import { APP_CONFIG } from '../../core/core-handles.js';
import type { AppConfig } from '../../config/config.schema.js';

/** SPEC §2: refresh bodies are at most 10 MiB. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Offset of the first byte that opens a container deeper than `maxDepth` in
 * UTF-8 JSON text, or -1. One pass over the bytes, before JSON.parse: a
 * 10 MiB body of `[[[[…` takes V8 seconds to parse, the scan milliseconds.
 * (Bytes of multi-byte UTF-8 sequences are all ≥ 0x80, so they never look
 * like brackets or quotes.)
 */
export function tooDeepOffset(buf: Uint8Array, maxDepth: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

class TooDeepError extends Error {
  readonly type = 'entity.too.deep';
  constructor(readonly offset: number) {
    super('JSON nested too deep');
  }
}

const parserFor = (maxDepth: number) =>
  express.json({
    limit: MAX_BODY_BYTES,
    strict: false,
    type: () => true,
    verify: (_req, _res, buf, encoding) => {
      if (encoding.toLowerCase() !== 'utf-8') return; // checked after parsing
      const at = tooDeepOffset(buf, maxDepth);
      if (at >= 0) throw new TooDeepError(at);
    },
  });

/**
 * One pass over the parsed body with an explicit stack (no recursion, so no
 * stack overflow however deep the JSON): the nesting depth, and keys that
 * could alter prototypes. Stops at the first container deeper than
 * `maxDepth`; linear in the body otherwise.
 */
export function scanJson(
  value: unknown,
  maxDepth: number,
): { tooDeep: string | null; forbidden: string[] } {
  interface Node {
    readonly value: object;
    readonly parent: Node | null;
    readonly key: string;
    readonly depth: number;
  }
  // Paths are only spelled out for what gets reported.
  const pathOf = (node: Node | null, key?: string): string => {
    const parts: string[] = key === undefined ? [] : [key];
    for (let n = node; n !== null && n.parent !== null; n = n.parent)
      parts.push(n.key);
    return parts.reverse().join('.');
  };
  const forbidden: string[] = [];
  if (typeof value !== 'object' || value === null)
    return { tooDeep: null, forbidden };
  const stack: Node[] = [{ value, parent: null, key: '', depth: 1 }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.depth > maxDepth) return { tooDeep: pathOf(node), forbidden };
    const record = node.value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (FORBIDDEN_KEYS.has(key) && forbidden.length < 10)
        forbidden.push(pathOf(node, key));
      const child = record[key];
      if (typeof child === 'object' && child !== null)
        stack.push({ value: child, parent: node, key, depth: node.depth + 1 });
    }
  }
  return { tooDeep: null, forbidden };
}

function shortPath(path: string): string {
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
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
 * too-large one, then 400 for bad JSON, 413 for JSON nested deeper than the
 * limit and 400 for keys that could alter prototypes. Errors are thrown (not passed to next) so Nest's exception
 * filter renders them like every other error.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  private readonly maxDepth: number;
  private readonly parseJson: ReturnType<typeof parserFor>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.maxDepth = config.refresh_limits_config.max_json_depth;
    this.parseJson = parserFor(this.maxDepth);
  }

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
      this.parseJson(req, res, (err?: unknown) =>
        err ? reject(mapParseError(err, res, this.maxDepth)) : resolve(),
      );
    });
    const { tooDeep, forbidden } = scanJson(req.body, this.maxDepth);
    if (tooDeep !== null) {
      throw new PayloadTooLargeException(
        `JSON nested deeper than refresh_limits_config.max_json_depth = ${this.maxDepth} (at ${shortPath(tooDeep)})`,
      );
    }
    if (forbidden.length > 0) {
      throw new BadRequestException(
        `forbidden JSON keys at: ${forbidden.map(shortPath).join(', ')}`,
      );
    }
    next();
  }
}

function mapParseError(
  err: unknown,
  res: Response,
  maxDepth: number,
): HttpException {
  const e = err as {
    type?: string;
    status?: number;
    message?: string;
    offset?: number;
  };
  if (e.type === 'entity.too.deep') {
    return new PayloadTooLargeException(
      `JSON nested deeper than refresh_limits_config.max_json_depth = ${maxDepth} (at byte ${e.offset ?? '?'})`,
    );
  }
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
