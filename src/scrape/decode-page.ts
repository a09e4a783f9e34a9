import { gunzipSync } from 'node:zlib';
import type { FetchResult } from './page-fetcher.js';
import type { EndpointRef, PageResult } from './scrape.types.js';

const utf8 = new TextDecoder('utf-8');

/** One fetch result as the pipeline's page: gunzipped (capped) when needed, decoded as UTF-8. */
export function decodePage(
  endpoint: EndpointRef,
  res: FetchResult,
  at: number,
  maxBytes: number,
): PageResult {
  if (!res.ok || !res.bytes) {
    return { endpoint, status: 'error', error: res.error, at };
  }
  let bytes = res.bytes;
  if (res.gzip) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (err) {
      const tooLarge =
        (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
      return {
        endpoint,
        status: 'error',
        error: tooLarge ? 'response too large' : 'bad gzip body',
        at,
      };
    }
  }
  return { endpoint, status: 'ok', body: utf8.decode(bytes), at };
}
