import { Agent } from 'node:http';
import type { HttpService } from '@nestjs/axios';
import type { AxiosError } from 'axios';

export interface FetchResult {
  readonly ok: boolean;
  readonly bytes?: Uint8Array;
  /** The bytes are still gzip-compressed (decompressed by the digest, off the event loop). */
  readonly gzip?: boolean;
  readonly error?: string;
}

export interface PageFetcherOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxSockets: number;
}

/**
 * Fetches one `/metrics` page: keep-alive sockets, gzip accepted, a hard
 * timeout and a size cap. Never throws: every failure becomes a short reason.
 */
export class PageFetcher {
  readonly agent: Agent;

  constructor(
    private readonly http: HttpService,
    private readonly options: PageFetcherOptions,
  ) {
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: options.maxSockets,
      maxFreeSockets: options.maxSockets,
      scheduling: 'lifo',
    });
  }

  async fetch(url: string): Promise<FetchResult> {
    try {
      const res = await this.http.axiosRef.get<Buffer>(url, {
        httpAgent: this.agent,
        responseType: 'arraybuffer',
        timeout: this.options.timeoutMs,
        signal: AbortSignal.timeout(this.options.timeoutMs),
        maxContentLength: this.options.maxBytes,
        maxRedirects: 0,
        // Decompression happens in the digest worker, not on the event loop.
        decompress: false,
        headers: {
          Accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1',
          'Accept-Encoding': 'gzip',
          'User-Agent': 'motor-coordinator',
        },
        validateStatus: () => true,
      });
      if (res.status !== 200) return { ok: false, error: `HTTP ${res.status}` };
      const encoding = String(
        res.headers['content-encoding'] ?? '',
      ).toLowerCase();
      if (encoding !== '' && encoding !== 'identity' && encoding !== 'gzip') {
        return { ok: false, error: `unsupported content-encoding ${encoding}` };
      }
      return { ok: true, bytes: res.data, gzip: encoding === 'gzip' };
    } catch (err) {
      return { ok: false, error: describeFetchError(err as AxiosError) };
    }
  }

  close(): void {
    this.agent.destroy();
  }
}

function describeFetchError(err: AxiosError): string {
  if (err.code === 'ECONNABORTED' || err.code === 'ERR_CANCELED')
    return 'timeout';
  if (err.message?.includes('maxContentLength')) return 'response too large';
  return err.code ?? err.message ?? 'fetch failed';
}
