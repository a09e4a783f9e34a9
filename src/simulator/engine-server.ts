/**
 * A tiny `/metrics` server standing in for one engine endpoint, with failure
 * modes that can be switched while it runs.
 */
import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/** The page to serve: fixed text (e.g. a fixture file) or a function called per request. */
export type PageSource = string | Buffer | (() => string | Buffer);

/**
 * - `ok`: 200 with the page (gzip when accepted);
 * - `dead`: the socket is destroyed without an answer;
 * - `hang`: the request is never answered (until `close()`);
 * - `http500`: 500 with a short text body;
 * - `garbage`: 200 with random bytes that are not an exposition;
 * - `huge`: 200 with a streamed body of `hugeBytes` metric-like lines.
 */
export type EngineServerMode =
  'ok' | 'dead' | 'hang' | 'http500' | 'garbage' | 'huge';

export interface EngineServerOptions {
  /** Loopback address to bind (127.0.0.0/8). */
  host: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  handler: PageSource;
  /** Body size of the `huge` mode. Default 64 MiB. */
  hugeBytes?: number;
  /** Initial mode. Default `ok`. */
  mode?: EngineServerMode;
}

export interface EngineServer {
  readonly host: string;
  readonly port: number;
  /** `http://host:port/metrics` */
  readonly url: string;
  /** Requests received so far, whatever the mode. */
  readonly requests: number;
  readonly mode: EngineServerMode;
  setMode(mode: EngineServerMode): void;
  /** Resolves once at least `count` requests have been received (for tests: no polling). */
  waitForRequests(count: number): Promise<void>;
  /** Replaces the page source. */
  setHandler(handler: PageSource): void;
  /** Stops listening and ends every connection, hanging ones included. */
  close(): Promise<void>;
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding = '', ...params] = part.split(';').map((x) => x.trim());
    if (coding.toLowerCase() !== 'gzip') return false;
    const q = params.find((x) => x.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function hugeChunk(): Buffer {
  const lines: string[] = [];
  for (let i = 0; lines.join('').length < 64 * 1024; i++) {
    lines.push(
      `vllm:simulated_filler_total{engine="0",model_name="filler",series="${i}"} ${i}.0\n`,
    );
  }
  return Buffer.from(lines.join(''));
}

export async function startEngineServer(
  opts: EngineServerOptions,
): Promise<EngineServer> {
  let source = opts.handler;
  let mode: EngineServerMode = opts.mode ?? 'ok';
  let requests = 0;
  let waiters: { count: number; resolve: () => void }[] = [];
  const hugeBytes = opts.hugeBytes ?? 64 * 1024 * 1024;
  // Encodings of the last page served. Engines cache their page per tick, so
  // repeated scrapes between ticks encode and compress once.
  let last:
    { page: string | Buffer; body: Buffer; gzipped?: Buffer } | undefined;

  const encoded = (page: string | Buffer) => {
    if (last?.page !== page) {
      last = {
        page,
        body: typeof page === 'string' ? Buffer.from(page) : page,
      };
    }
    return last;
  };

  const servePage = (req: IncomingMessage, res: ServerResponse): void => {
    const entry = encoded(typeof source === 'function' ? source() : source);
    let body = entry.body;
    res.setHeader('Content-Type', METRICS_CONTENT_TYPE);
    if (acceptsGzip(req)) {
      // Level 1, synchronous: ~0.1 ms per page, cheaper than the thread-pool
      // round trips of the async API when thousands of servers share a process.
      entry.gzipped ??= gzipSync(body, { level: 1 });
      body = entry.gzipped;
      res.setHeader('Content-Encoding', 'gzip');
    }
    res.setHeader('Content-Length', body.length);
    res.end(body);
  };

  const serveHuge = (res: ServerResponse): void => {
    const chunk = hugeChunk();
    res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE });
    let sent = 0;
    const pump = (): void => {
      while (sent < hugeBytes && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) res.end();
    };
    pump();
  };

  const server = createServer((req, res) => {
    requests++;
    if (waiters.length > 0) {
      const due = waiters.filter((w) => w.count <= requests);
      waiters = waiters.filter((w) => w.count > requests);
      for (const w of due) w.resolve();
    }
    const path = (req.url ?? '/').split('?')[0];
    if (mode === 'dead') {
      req.socket.destroy();
      return;
    }
    if (mode === 'hang') return;
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET' }).end();
      return;
    }
    switch (mode) {
      case 'http500':
        res
          .writeHead(500, { 'Content-Type': 'text/plain' })
          .end('Internal Server Error');
        return;
      case 'garbage': {
        // Random bytes with a NUL up front: never a valid exposition.
        const body = Buffer.concat([Buffer.from([0]), randomBytes(8191)]);
        res
          .writeHead(200, {
            'Content-Type': METRICS_CONTENT_TYPE,
            'Content-Length': body.length,
          })
          .end(body);
        return;
      }
      case 'huge':
        serveHuge(res);
        return;
      default:
        servePage(req, res);
    }
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;

  return {
    host: opts.host,
    port,
    url: `http://${opts.host}:${port}/metrics`,
    get requests() {
      return requests;
    },
    get mode() {
      return mode;
    },
    setMode(next: EngineServerMode) {
      mode = next;
    },
    waitForRequests(count: number) {
      if (requests >= count) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ count, resolve }));
    },
    setHandler(next: PageSource) {
      source = next;
      last = undefined;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
