import type {
  CycleDigester,
  CycleInput,
  RenderedView,
  ViewSnapshot,
} from '../aggregate/cycle.types.js';

const TEXT = 'text/plain; version=0.0.4; charset=utf-8';

/** Counts endpoints only; stands in until the aggregator is wired. */
export class BareDigester implements CycleDigester {
  ingest(cycle: CycleInput): ViewSnapshot {
    const ok = cycle.pages.filter((p) => p.status === 'ok').length;
    return this.snapshot(cycle.finishedAt, cycle.pages.length, ok);
  }
  emptySnapshot(now: number): ViewSnapshot {
    return this.snapshot(now, 0, 0);
  }
  private snapshot(
    at: number,
    configured: number,
    scraped: number,
  ): ViewSnapshot {
    const text = `# HELP motor:endpoints_configured Endpoints registered.\n# TYPE motor:endpoints_configured gauge\nmotor:endpoints_configured ${configured}\n# HELP motor:endpoints_scraped Endpoints scraped this cycle.\n# TYPE motor:endpoints_scraped gauge\nmotor:endpoints_scraped ${scraped}\n`;
    const view: RenderedView = { contentType: TEXT, body: Buffer.from(text) };
    return {
      createdAt: at,
      endpoints: [],
      render: (_v, _r, format) =>
        format === 'prometheus'
          ? view
          : {
              contentType: 'application/json',
              body: Buffer.from('{"resourceMetrics":[]}'),
            },
    };
  }
}
