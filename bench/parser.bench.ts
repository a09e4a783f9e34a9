import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { bench, describe } from 'vitest';
import {
  parseExposition,
  type ExpositionHandler,
} from '../src/parse/exposition-parser.js';
import { parsePage } from '../src/parse/parse-page.js';
import { fixturePages, syntheticPages, totalBytes } from './parser-corpus.js';

/**
 * Parser throughput. Run: `npx vitest bench --run bench/parser.bench.ts`.
 * Each benchmark parses a whole corpus once per iteration; MB/s = hz × the MB in its name.
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
