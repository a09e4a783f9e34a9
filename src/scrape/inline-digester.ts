import type { PageResult } from '../aggregate/cycle.types.js';
import {
  MetricsAggregator,
  type MetricsSnapshot,
} from '../aggregate/metrics-aggregator.js';
import { gunzipSync } from 'node:zlib';
import type {
  CycleFeed,
  Digester,
  DigestedSnapshot,
  RawPage,
} from './digest.types.js';

export interface DigesterOptions {
  /** A failed endpoint keeps contributing its last good samples for this long. */
  readonly staleAfterMs: number;
  /** Largest accepted decompressed page. */
  readonly maxPageBytes: number;
}

const utf8 = new TextDecoder('utf-8');

/** One page's body as text: gunzipped (capped) when needed, decoded as UTF-8. */
export function decodePage(p: RawPage, maxBytes: number): PageResult {
  if (p.status !== 'ok' || !p.bytes) {
    return { endpoint: p.endpoint, status: 'error', error: p.error, at: p.at };
  }
  let bytes = p.bytes;
  if (p.gzip) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (err) {
      const tooLarge =
        (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
      return {
        endpoint: p.endpoint,
        status: 'error',
        error: tooLarge ? 'response too large' : 'bad gzip body',
        at: p.at,
      };
    }
  }
  return {
    endpoint: p.endpoint,
    status: 'ok',
    body: utf8.decode(bytes),
    at: p.at,
  };
}

export function wrapSnapshot(snapshot: MetricsSnapshot): DigestedSnapshot {
  return {
    createdAt: snapshot.createdAt,
    endpoints: snapshot.endpoints,
    render: (view, role, format) =>
      Promise.resolve(snapshot.render(view, role, format)),
  };
}

/**
 * Digests on the event loop, each page as it arrives: fine for small fleets
 * and for tests.
 */
export class InlineDigester implements Digester {
  private readonly aggregator: MetricsAggregator;

  constructor(private readonly options: DigesterOptions) {
    this.aggregator = new MetricsAggregator({
      staleAfterMs: options.staleAfterMs,
    });
  }

  open(): CycleFeed {
    const aggregator = this.aggregator;
    const maxBytes = this.options.maxPageBytes;
    aggregator.beginCycle();
    return {
      push: (page) =>
        aggregator.ingestPage(decodePage(page, maxBytes), page.index),
      finish: (end) =>
        Promise.resolve(wrapSnapshot(aggregator.finishCycle(end))),
    };
  }

  empty(now: number): DigestedSnapshot {
    return wrapSnapshot(this.aggregator.emptySnapshot(now));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
