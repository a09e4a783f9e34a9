import {
  Agent,
  request,
  type ClientRequest,
  type IncomingMessage,
} from 'node:http';

export interface FetchResult {
  readonly ok: boolean;
  /** The whole body, in an ArrayBuffer of its own (so it can be transferred to a worker). */
  readonly bytes?: Uint8Array;
  /** The bytes are still gzip-compressed (decompressed by the digest, off the event loop). */
  readonly gzip?: boolean;
  readonly error?: string;
}

export interface PageFetcherOptions {
  readonly timeoutMs: number;
  /** Largest accepted body as transferred (the digest caps the decompressed size). */
  readonly maxBytes: number;
  /** Keep-alive sockets per endpoint. */
  readonly maxSockets: number;
  /** Ask for gzip (`Accept-Encoding: gzip`) instead of plain text. */
  readonly gzip: boolean;
}

/**
 * Fetches one `/metrics` page with `node:http`: keep-alive sockets, a hard
 * timeout over the whole exchange, a size cap checked against
 * `Content-Length` before the body and while it streams, no redirects. Never
 * throws: every failure becomes a short reason.
 *
 * Not axios (@nestjs/axios): per request, axios merges configs, builds
 * headers and wraps the stream; at thousands of pages per cycle that costs
 * three times the CPU of the bare client (`bench/scrape-clients.ts`).
 */
export class PageFetcher {
  readonly agent: Agent;
  private readonly headers: Readonly<Record<string, string>>;

  constructor(private readonly options: PageFetcherOptions) {
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: options.maxSockets,
      maxFreeSockets: options.maxSockets,
      scheduling: 'lifo',
    });
    this.headers = {
      Accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1',
      'Accept-Encoding': options.gzip ? 'gzip' : 'identity',
      'User-Agent': 'motor-coordinator',
    };
  }

  fetch(url: string): Promise<FetchResult> {
    return new Promise((resolve) => {
      let done = false;
      let req: ClientRequest | undefined;
      const finish = (result: FetchResult): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(result);
      };
      const fail = (error: string): void => {
        finish({ ok: false, error });
        req?.destroy();
      };
      const timer = setTimeout(() => fail('timeout'), this.options.timeoutMs);
      try {
        req = request(
          url,
          { agent: this.agent, headers: this.headers },
          (res) => this.read(res, finish, fail),
        );
      } catch (err) {
        fail((err as Error).message);
        return;
      }
      req.on('error', (err: NodeJS.ErrnoException) =>
        fail(err.code ?? err.message),
      );
      req.end();
    });
  }

  private read(
    res: IncomingMessage,
    finish: (result: FetchResult) => void,
    fail: (error: string) => void,
  ): void {
    if (res.statusCode !== 200) {
      res.resume(); // drain, so that the socket goes back to the pool
      finish({ ok: false, error: `HTTP ${res.statusCode}` });
      return;
    }
    const encoding = (res.headers['content-encoding'] ?? '').toLowerCase();
    const gzip = encoding === 'gzip';
    if (encoding !== '' && encoding !== 'identity' && !gzip) {
      fail(`unsupported content-encoding ${encoding}`);
      return;
    }
    const max = this.options.maxBytes;
    const declared = Number(res.headers['content-length'] ?? NaN);
    if (declared > max) {
      fail('response too large');
      return;
    }
    // A body of known length is copied once into a buffer of its own.
    const exact = Number.isSafeInteger(declared)
      ? new Uint8Array(declared)
      : undefined;
    const chunks: Buffer[] = [];
    let length = 0;
    res.on('data', (chunk: Buffer) => {
      const end = length + chunk.byteLength;
      if (end > max || (exact && end > exact.byteLength)) {
        fail(end > max ? 'response too large' : 'body longer than declared');
        return;
      }
      if (exact) exact.set(chunk, length);
      else chunks.push(chunk);
      length = end;
    });
    res.on('end', () => {
      if (exact) {
        if (length !== exact.byteLength) fail('body shorter than declared');
        else finish({ ok: true, bytes: exact, gzip });
        return;
      }
      const bytes = new Uint8Array(length);
      let at = 0;
      for (const c of chunks) {
        bytes.set(c, at);
        at += c.byteLength;
      }
      finish({ ok: true, bytes, gzip });
    });
    res.on('error', (err: NodeJS.ErrnoException) =>
      fail(err.code ?? err.message),
    );
    res.on('close', () => {
      if (!res.complete) fail('connection closed mid-body');
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
