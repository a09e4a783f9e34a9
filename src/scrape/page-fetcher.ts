import {
  Agent,
  request,
  type ClientRequest,
  type IncomingMessage,
} from 'node:http';

export interface FetchResult {
  readonly ok: boolean;
  /** The whole body; valid until `release()` is called. */
  readonly bytes?: Uint8Array;
  /** Gives the body's buffer back for the next response; `bytes` must not be used after. */
  readonly release?: () => void;
  /** The bytes are still gzip-compressed (decompressed by the pipeline, off the event loop). */
  readonly gzip?: boolean;
  readonly error?: string;
}

/** First buffer size for a body without Content-Length. */
const CHUNKED_START = 64 * 1024;
/** Larger body buffers are not kept for reuse (an odd huge page must not pin memory). */
const POOLED_MAX = 4 * 1024 * 1024;

export interface PageFetcherOptions {
  readonly timeoutMs: number;
  /** Largest accepted body as transferred (the pipeline caps the decompressed size). */
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
 *
 * Bodies are assembled in buffers that are reused from page to page (at most
 * one per response in flight), so that a cycle does not allocate its whole
 * size again, which would make the garbage collector run for it.
 */
export class PageFetcher {
  readonly agent: Agent;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly free: Uint8Array[] = [];

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
      /** Settles once; false when the exchange had already ended. */
      const finish = (result: FetchResult): boolean => {
        if (done) return false;
        done = true;
        clearTimeout(timer);
        resolve(result);
        return true;
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
    finish: (result: FetchResult) => boolean,
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
    const known = Number.isSafeInteger(declared) ? declared : -1;
    let buf = this.take(known >= 0 ? known : CHUNKED_START);
    let length = 0;
    let owned = true;
    const giveBack = (): void => {
      if (!owned) return;
      owned = false;
      if (buf.byteLength <= POOLED_MAX) this.free.push(buf);
    };
    const abandon = (error: string): void => {
      giveBack();
      fail(error);
    };
    res.on('data', (chunk: Buffer) => {
      if (!owned) return;
      const end = length + chunk.byteLength;
      if (end > max) return abandon('response too large');
      if (known >= 0 && end > known)
        return abandon('body longer than declared');
      if (end > buf.byteLength) {
        // A chunked body: grow (the smaller buffer is dropped).
        const bigger = new Uint8Array(Math.min(max, 2 * end));
        bigger.set(buf.subarray(0, length));
        buf = bigger;
      }
      buf.set(chunk, length);
      length = end;
    });
    res.on('end', () => {
      if (!owned) return;
      if (known >= 0 && length !== known)
        return abandon('body shorter than declared');
      const delivered = finish({
        ok: true,
        bytes: buf.subarray(0, length),
        gzip,
        release: giveBack,
      });
      if (!delivered) giveBack(); // the exchange had already timed out
    });
    res.on('error', (err: NodeJS.ErrnoException) =>
      abandon(
        res.complete ? (err.code ?? err.message) : 'connection closed mid-body',
      ),
    );
    res.on('close', () => {
      if (!res.complete) abandon('connection closed mid-body');
    });
  }

  /** A body buffer of at least `size` bytes: a free one when it fits, else a new one. */
  private take(size: number): Uint8Array {
    const b = this.free.pop();
    if (b && b.byteLength >= size) return b;
    // Too small (or none): a new one with headroom, so pages that grow a little still fit.
    return new Uint8Array(Math.max(size + (size >> 3), CHUNKED_START));
  }

  close(): void {
    this.agent.destroy();
  }
}
