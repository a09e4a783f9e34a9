import { parse, small } from '../../test/support/budget-parse.js';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cycleOf, endpointRef, okPage } from '../aggregate/cycle-builder.js';
import { DEFAULT_PAGE_LIMITS, pageLimits } from './page-budget.js';
import { parsePage } from './parse-page.js';
import { FIXTURES_DIR } from '../../test/support/fixtures.js';
import { MetricsPipeline } from '../pipeline/metrics-pipeline.js';

const FIXTURES = FIXTURES_DIR;

const repeat = (n: number, f: (i: number) => string): string =>
  Array.from({ length: n }, (_, i) => f(i)).join('\n') + '\n';

describe('page limits', () => {
  it('have defaults and take 0 as no limit', () => {
    expect(DEFAULT_PAGE_LIMITS).toEqual({
      maxSeriesPerPage: 200_000,
      maxLabelsPerSeries: 128,
      maxLabelNameLength: 1024,
      maxLabelValueLength: 4096,
      maxBucketsPerHistogram: 1024,
    });
    expect(pageLimits({ maxLabelsPerSeries: 0, maxSeriesPerPage: 7 })).toEqual({
      ...DEFAULT_PAGE_LIMITS,
      maxLabelsPerSeries: Infinity,
      maxSeriesPerPage: 7,
    });
  });

  it('are never hit by a real page', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.prom'));
    expect(files.length).toBeGreaterThan(5);
    const none = pageLimits({
      maxSeriesPerPage: 0,
      maxLabelsPerSeries: 0,
      maxLabelNameLength: 0,
      maxLabelValueLength: 0,
      maxBucketsPerHistogram: 0,
    });
    for (const f of files) {
      const body = readFileSync(path.join(FIXTURES, f), 'utf8');
      const withDefaults = parse(body);
      expect(withDefaults.rejected, f).toBeUndefined();
      expect(withDefaults.samples, f).toBeGreaterThan(0);
      expect(withDefaults).toEqual(parse(body, none));
    }
  });
});

describe('series per page', () => {
  it('rejects a page with more sample lines than allowed before handing any over', () => {
    const body =
      '# HELP a x\n# TYPE a gauge\n' + repeat(11, (i) => `a{i="${i}"} 1`);
    const p = parse(body, small);
    expect(p.rejected).toBe('page budget: 11 series > max_series_per_page 10');
    expect(p.samples).toBe(0);
    expect(p.seen).toEqual([]);
    expect(p.names).toEqual([]);
  });

  it('counts bad sample lines, not comments or blank lines', () => {
    const ten = repeat(9, (i) => `a{i="${i}"} 1`) + 'not a sample\n';
    const padded =
      '# HELP a x\n# TYPE a gauge\n# just a comment\n\n  \r\n' + ten;
    const p = parse(padded, small);
    expect(p.rejected).toBeUndefined();
    expect(p.samples).toBe(9);
    expect(p.badLines).toBe(1);
    expect(parse(padded + '\t1nope\n', small).rejected).toBe(
      'page budget: 11 series > max_series_per_page 10',
    );
  });

  it('bounds HELP/TYPE lines by the same limit', () => {
    const body = repeat(11, (i) => `# TYPE f${i} gauge`) + 'a 1\n';
    const p = parse(body, small);
    expect(p.rejected).toBe(
      'page budget: 11 HELP/TYPE lines > max_series_per_page 10',
    );
    expect(p.names).toEqual([]);
  });

  it('rejects a million-series page with the default limit', () => {
    const body = repeat(1_000_001, (i) => `s${i} 1`);
    expect(parse(body).rejected).toBe(
      'page budget: 1000001 series > max_series_per_page 200000',
    );
  });
});

describe('label budgets', () => {
  const labels = (n: number): string =>
    Array.from({ length: n }, (_, i) => `l${i}="v"`).join(',');

  it('rejects a series with more labels than allowed, counting them all', () => {
    // Long enough to be scanned (the threshold is min(8, 12, 5 × 3 + 6) = 8 characters).
    expect(parse(`x{${labels(3)}} 1\n`, small).rejected).toBeUndefined();
    const p = parse(`before 1\nx{${labels(40)}} 1\nafter 1\n`, small);
    expect(p.rejected).toBe(
      'page budget: 40 labels in a series of x > max_labels_per_series 3',
    );
    expect(p.samples).toBe(0);
    // Handed over up to the line over budget, never after it.
    expect(p.seen).toEqual(['before']);
  });

  it('rejects the 100,000-label series with the default limit', () => {
    const p = parse(`x{${labels(100_000)}} 1\n`);
    expect(p.rejected).toBe(
      'page budget: 100000 labels in a series of x > max_labels_per_series 128',
    );
    expect(p.seen).toEqual([]);
  });

  it('bounds label names', () => {
    expect(parse('x{abcdefgh="1"} 1\n', small).rejected).toBeUndefined();
    expect(parse('x{abcdefghi="1"} 1\n', small).rejected).toBe(
      'page budget: 9 characters in a label name of x > max_label_name_length 8',
    );
  });

  it('bounds label values after unescaping', () => {
    // 12 characters once unescaped, 16 as written.
    const twelve = 'ab\\"cd\\\\ef\\ngh\\"';
    expect(parse(`x{a="${twelve}"} 1\n`, small).rejected).toBeUndefined();
    expect(parse(`x{a="${twelve}j"} 1\n`, small).rejected).toBe(
      'page budget: 13 characters in label value a of x > max_label_value_length 12',
    );
    const long = 'é'.repeat(4097);
    expect(parse(`x{model="${long}"} 1\n`).rejected).toBe(
      'page budget: 4097 characters in label value model of x > max_label_value_length 4096',
    );
  });

  it('bounds metric names (by the label value limit) on samples and HELP/TYPE lines', () => {
    const name = 'm'.repeat(13);
    expect(parse(`${name.slice(1)} 1\n`, small).rejected).toBeUndefined();
    const reason =
      'page budget: 13 characters in a metric name > max_label_value_length 12';
    expect(parse(`${name} 1\n`, small).rejected).toBe(reason);
    expect(parse(`${name}{a="1"} 1\n`, small).rejected).toBe(reason);
    expect(parse(`# TYPE ${name} gauge\na 1\n`, small).rejected).toBe(reason);
    expect(parse(`# HELP ${name} text\na 1\n`, small).rejected).toBe(reason);
  });

  it('quotes long names cut short in reasons', () => {
    const name = 'n'.repeat(300);
    const p = parse(`${name}{${labels(200)}} 1\n`);
    expect(p.rejected).toBe(
      `page budget: 200 labels in a series of ${'n'.repeat(128)}… > max_labels_per_series 128`,
    );
  });

  it('leaves malformed label blocks to the line check (a bad line, not a rejection)', () => {
    const p = parse('x{a="1",,b="2",c="3",d="4"} 1\nok 1\n', small);
    expect(p.rejected).toBeUndefined();
    expect(p.seen).toEqual(['x{a="1",,b="2",c="3",d="4"}', 'ok']);
  });
});

describe('the coordinator’s own namespaces', () => {
  it('are bad lines on an engine page, never handed over', () => {
    const body = [
      '# HELP motor:endpoints_scraped x',
      '# TYPE motor:endpoints_scraped gauge',
      'motor:endpoints_scraped 7',
      '# TYPE motor_coordinator_process_cpu_seconds_total counter',
      'motor_coordinator_process_cpu_seconds_total{a="1"} 3',
      'motor_coordinator_up 1',
      '# TYPE motorway gauge',
      'motorway 1',
      'motor_other 2',
    ].join('\n');
    const p = parse(body);
    expect(p.badLines).toBe(6);
    expect(p.samples).toBe(2);
    expect(p.seen).toEqual(['motorway', 'motor_other']);
    expect(p.names).toEqual(['motorway']);
  });

  it('are read from the coordinator’s own output on request', () => {
    const body =
      '# TYPE motor:endpoints_scraped gauge\nmotor:endpoints_scraped 7\n';
    expect(parsePage(body).families.map((f) => f.name)).toEqual([
      'motor:endpoints_scraped',
    ]);
    expect(parsePage(body, { ownNamespaces: 'bad' })).toEqual({
      families: [],
      samples: 0,
      badLines: 2,
    });
  });
});

describe('a rejected page in the pipeline', () => {
  const A = endpointRef(1, 'decode', '127.0.0.1', 0);
  const B = endpointRef(2, 'decode', '127.0.0.2', 0);
  const good = (v: number) => `# TYPE c_total counter\nc_total{m="x"} ${v}\n`;
  const line = (text: string, key: string): number => {
    const m = new RegExp(`^${key.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(
      text,
    );
    if (!m) throw new Error(`no ${key} in\n${text}`);
    return Number(m[1]);
  };

  it('marks the endpoint down with the reason, the others unaffected', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 60_000 });
    agg.ingest(
      cycleOf([okPage(A, good(5), 1000), okPage(B, good(7), 1000)], 1000),
    );
    const hostile =
      good(100) +
      `x{${Array.from({ length: 200 }, (_, i) => `l${i}="v"`).join(',')}} 1\n`;
    const s = agg.ingest(
      cycleOf([okPage(A, hostile, 2000), okPage(B, good(9), 2000)], 2000),
    );
    expect(s.endpoints).toEqual([
      {
        key: A.key,
        up: false,
        lastSuccessAt: 1000,
        lastError:
          'page budget: 200 labels in a series of x > max_labels_per_series 128',
        stale: false,
        badLines: 0,
      },
      {
        key: B.key,
        up: true,
        lastSuccessAt: 2000,
        lastError: null,
        stale: false,
        badLines: 0,
      },
    ]);
    const text = s
      .render('full', undefined, 'prometheus')
      .body.toString('utf8');
    // A keeps its last good page (5, not the 100 of the rejected one) next to B's 9.
    expect(line(text, 'c_total{m="x"}')).toBe(14);
    expect(text).not.toMatch(/^x\{/m);
    const dp = s.render('dp', undefined, 'prometheus').body.toString('utf8');
    expect(dp).toMatch(/^motor:endpoint_up\{[^}]*instance_id="1"[^}]*\} 0$/m);
    expect(dp).toMatch(/^motor:endpoint_up\{[^}]*instance_id="2"[^}]*\} 1$/m);
  });
});
