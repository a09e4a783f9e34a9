import type { CycleInput, PageResult } from '../aggregate/cycle.types.js';
import {
  MetricsAggregator,
  type MetricsSnapshot,
} from '../aggregate/metrics-aggregator.js';
import { gunzipSync } from 'node:zlib';
import type {
  Digester,
  DigestedSnapshot,
  RawCycle,
  RawPage,
} from './digest.types.js';

const utf8 = new TextDecoder('utf-8');

/** One page's body as text: gunzipped (capped) when needed, decoded as UTF-8. */
function decodePage(p: RawPage, maxBytes: number): PageResult {
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

/** Raw bytes → the pipeline's CycleInput. */
export function decodeCycle(raw: RawCycle): CycleInput {
  return {
    startedAt: raw.startedAt,
    finishedAt: raw.finishedAt,
    instances: raw.instances,
    pages: raw.pages.map((p) => decodePage(p, raw.maxPageBytes)),
  };
}

function wrap(snapshot: MetricsSnapshot): DigestedSnapshot {
  return {
    createdAt: snapshot.createdAt,
    endpoints: snapshot.endpoints,
    render: (view, role, format) =>
      Promise.resolve(snapshot.render(view, role, format)),
  };
}

/** Digests on the event loop: fine for small fleets and for tests. */
export class InlineDigester implements Digester {
  private readonly aggregator: MetricsAggregator;

  constructor(staleAfterMs: number) {
    this.aggregator = new MetricsAggregator({ staleAfterMs });
  }

  digest(cycle: RawCycle): Promise<DigestedSnapshot> {
    return Promise.resolve(wrap(this.aggregator.ingest(decodeCycle(cycle))));
  }

  empty(now: number): DigestedSnapshot {
    return wrap(this.aggregator.emptySnapshot(now));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
