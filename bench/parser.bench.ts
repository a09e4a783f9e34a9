import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { bench, describe } from 'vitest';
import {
  parseExposition,
  type ExpositionHandler,
} from '../src/parse/exposition-parser.js';
import { parsePage } from '../src/parse/parse-page.js';
import {
  clusterCycle,
  clusterRefs,
  fixturePages,
  syntheticPages,
  totalBytes,
} from './parser-corpus.js';
import { VIEW_TYPES } from '../src/aggregate/views.js';
import { MetricsPipeline } from '../src/pipeline/metrics-pipeline.js';

/**
 * Parser throughput and the whole pipeline at cluster scale.
 * Run: `npx vitest bench --run bench/parser.bench.ts`.
 * Parser benchmarks parse a whole corpus once per iteration: MB/s = hz × the MB in the name.
 * Pipeline benchmarks run one 2,048-endpoint cycle per iteration: ms per cycle = mean.
 */

/** The lightest useful visitor: reads each sample's series bounds and value. */
class CountingHandler implements ExpositionHandler {
  samples = 0;
  sum = 0;
  help(): boolean {
    return true;
  }
  type(): boolean {
    return true;
  }
  sample(_body: string, start: number, end: number, value: number): boolean {
    this.samples++;
    this.sum += value + (end - start);
    return true;
  }
}

function floorSplit(pages: readonly string[]): number {
  let n = 0;
  for (const p of pages) n += p.split('\n').length;
  return n;
}

function floorIndexOf(pages: readonly string[]): number {
  let n = 0;
  for (const p of pages) {
    let pos = 0;
    for (;;) {
      const nl = p.indexOf('\n', pos);
      if (nl < 0) break;
      n++;
      pos = nl + 1;
    }
  }
  return n;
}

function corpusBench(label: string, pages: readonly string[]): void {
  const mb = (totalBytes(pages) / 1e6).toFixed(3);
  describe(`${label} (${mb} MB per iteration)`, () => {
    bench('floor: String.split into lines', () => {
      floorSplit(pages);
    });
    bench('floor: indexOf line walk', () => {
      floorIndexOf(pages);
    });
    bench('motor parseExposition (visitor)', () => {
      const h = new CountingHandler();
      for (const p of pages) parseExposition(p, h);
    });
    bench('motor parsePage (tree, labels decoded)', () => {
      for (const p of pages) parsePage(p);
    });
    bench('parse-prometheus-text-format (tree)', () => {
      for (const p of pages) {
        try {
          parsePrometheusTextFormat(p);
        } catch {
          // the library throws on some valid pages (e.g. `_sum` before buckets)
        }
      }
    });
  });
}

corpusBench('generated vLLM V1 pages ×64', syntheticPages(64));
corpusBench(
  'all fixtures ×20',
  Array.from({ length: 20 }, () => fixturePages()).flat(),
);

/**
 * One scrape cycle of 2,048 endpoints (128 instances × 16 DP ranks, 8 per pod) answering
 * generated vLLM V1 pages (~58 KB each, ~120 MB per cycle). Every iteration runs the
 * next cycle (new values, same shapes), as the service does every 3 s.
 */
function pipelineBench(): void {
  const pages = syntheticPages(64);
  const refs = clusterRefs(2048);
  const cycles = Array.from({ length: 8 }, (_, c) =>
    clusterCycle(refs, pages, c),
  );
  const bytes = cycles[0]!.pages.reduce((n, p) => n + (p.body?.length ?? 0), 0);
  const mb = (bytes / 1e6).toFixed(1);
  const options = { time: 3000, iterations: 5, warmupIterations: 1 };
  /** An aggregator that has seen two cycles already (steady state: shapes known). */
  const warmed = (): MetricsPipeline => {
    const agg = new MetricsPipeline({ staleAfterMs: 30_000 });
    agg.ingest(cycles[6]!);
    agg.ingest(cycles[7]!);
    return agg;
  };
  describe(`pipeline: 2048 endpoints, ${mb} MB per cycle`, () => {
    let n = 0;
    bench(
      'parse only (visitor, no aggregation)',
      () => {
        const h = new CountingHandler();
        for (const p of cycles[n++ % cycles.length]!.pages)
          parseExposition(p.body!, h);
      },
      options,
    );
    const ingestOnly = warmed();
    let i = 0;
    bench(
      'parse + aggregate (ingest: all five views)',
      () => {
        ingestOnly.ingest(cycles[i++ % cycles.length]!);
      },
      options,
    );
    const withText = warmed();
    let j = 0;
    bench(
      'ingest + render every view as Prometheus text',
      () => {
        const snapshot = withText.ingest(cycles[j++ % cycles.length]!);
        for (const view of VIEW_TYPES)
          snapshot.render(view, undefined, 'prometheus');
      },
      options,
    );
    const withoutDp = warmed();
    let k = 0;
    bench(
      'ingest + render full, role, instance, node as Prometheus text',
      () => {
        const snapshot = withoutDp.ingest(cycles[k++ % cycles.length]!);
        for (const view of VIEW_TYPES) {
          if (view !== 'dp') snapshot.render(view, undefined, 'prometheus');
        }
      },
      options,
    );
  });
}

pipelineBench();
