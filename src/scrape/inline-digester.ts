import type { CycleInput } from '../aggregate/cycle.types.js';
import {
  MetricsAggregator,
  type MetricsSnapshot,
} from '../aggregate/metrics-aggregator.js';
import type { Digester, DigestedSnapshot, RawCycle } from './digest.types.js';

const utf8 = new TextDecoder('utf-8');

/** Raw bytes → the pipeline's CycleInput (bodies decoded as UTF-8). */
export function decodeCycle(raw: RawCycle): CycleInput {
  return {
    startedAt: raw.startedAt,
    finishedAt: raw.finishedAt,
    instances: raw.instances,
    pages: raw.pages.map((p) => ({
      endpoint: p.endpoint,
      status: p.status,
      body: p.bytes ? utf8.decode(p.bytes) : undefined,
      error: p.error,
      at: p.at,
    })),
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
