import { FAMILY_MIX_LINES } from '../../test/support/family-mix-page.js';
import { cycleOf, endpointRef, okPage } from '../aggregate/cycle-builder.js';
import type { Family } from '../aggregate/catalog.types.js';
import {
  compileGlob,
  FamilyFilter,
  isProtectedFamily,
  type FamilyFilterOptions,
} from './family-filter.js';
import type { ViewType } from '../aggregate/views.js';
import { MetricsPipeline } from '../pipeline/metrics-pipeline.js';

const PAGE = [
  ...FAMILY_MIX_LINES,
  '# TYPE app_mid gauge',
  'app_mid{k="a"} 1',
  'app_mid{k="b"} 1',
  'app_mid{k="c"} 1',
  '',
].join('\n');

/** Two endpoints of one decode instance, both serving PAGE. */
function aggregator(families?: FamilyFilterOptions): MetricsPipeline {
  return new MetricsPipeline({ staleAfterMs: 10_000, families });
}
const A = endpointRef(1, 'decode', '127.0.0.1', 0);
const B = endpointRef(1, 'decode', '127.0.0.1', 1);
function snapshotOf(families?: FamilyFilterOptions, page = PAGE) {
  return aggregator(families).ingest(
    cycleOf([okPage(A, page, 500), okPage(B, page, 500)], 1000),
  );
}

/** `# TYPE` order and sample lines per family, read back from the text. */
function familiesOf(body: Buffer): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of body.toString('utf8').split('\n')) {
    const t = /^# TYPE (\S+) /.exec(line);
    if (t) {
      out.set(t[1]!, 0);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const name = /^[^{ ]+/.exec(line)![0];
    const family = [...out.keys()].at(-1)!;
    expect(name.startsWith(family)).toBe(true);
    out.set(family, out.get(family)! + 1);
  }
  return out;
}

function render(
  families: FamilyFilterOptions | undefined,
  view: ViewType = 'dp',
) {
  const r = snapshotOf(families).render(view, undefined, 'prometheus');
  return { families: familiesOf(r.body), dropped: r.dropped };
}

/*
 * The dp view of PAGE on 2 endpoints, by hand: 5 protected freshness
 * families × 2 = 10 series; motor:active_{prefill,decode,union}_workers 1 each
 * = 3; python_gc 2 × 2 = 4; process_open_fds, vllm:num_requests_running and
 * its _max, motor:requests_running and its _max 2 each = 10; app_big 4 × 2 = 8;
 * app_mid 3 × 2 = 6. Total 41.
 */
const PROTECTED_DP = [
  'motor:endpoints_configured',
  'motor:endpoints_scraped',
  'motor:scrape_duration_seconds',
  'motor:endpoint_up',
  'motor:endpoint_last_success_timestamp_seconds',
];

describe('compileGlob', () => {
  it('matches whole names, * any run, ? one character, the rest literally', () => {
    const re = compileGlob('vllm:request_params_*');
    expect(re.test('vllm:request_params_n')).toBe(true);
    expect(re.test('vllm:request_params_')).toBe(true);
    expect(re.test('xvllm:request_params_n')).toBe(false);
    expect(re.test('vllm:request_param')).toBe(false);
    const q = compileGlob('app_m?d');
    expect(q.test('app_mid')).toBe(true);
    expect(q.test('app_md')).toBe(false);
    expect(q.test('app_miid')).toBe(false);
    expect(compileGlob('a.b').test('axb')).toBe(false);
    expect(compileGlob('a+(b)').test('a+(b)')).toBe(true);
  });

  it('protects the freshness families and the own metrics only', () => {
    for (const name of PROTECTED_DP) expect(isProtectedFamily(name)).toBe(true);
    expect(isProtectedFamily('motor_coordinator_scrape_cycles_total')).toBe(
      true,
    );
    expect(isProtectedFamily('motor:requests_running')).toBe(false);
    expect(isProtectedFamily('motor:endpoint_upx')).toBe(false);
  });
});

describe('family lists', () => {
  it('without bounds the dp view has the 41 series counted by hand', () => {
    const { families, dropped } = render(undefined);
    expect([...families.values()].reduce((a, b) => a + b, 0)).toBe(41);
    expect(families.get('app_big')).toBe(8);
    expect(dropped).toBeUndefined();
  });

  it('a global exclude list leaves those families out of every view', () => {
    for (const view of ['dp', 'full'] as const) {
      const { families } = render({ exclude: ['python_*', 'process_*'] }, view);
      expect(families.has('python_gc_objects_collected_total')).toBe(false);
      expect(families.has('process_open_fds')).toBe(false);
      expect(families.has('app_big')).toBe(true);
    }
  });

  it('a per-view list applies to that view only', () => {
    const options = { exclude: { dp: ['python_*', 'process_*'] } };
    expect(render(options, 'dp').families.has('process_open_fds')).toBe(false);
    expect(render(options, 'full').families.get('process_open_fds')).toBe(1);
  });

  it('include keeps the matching families and the protected ones; exclude then removes', () => {
    const { families } = render({ include: ['app_*'], exclude: ['app_m?d'] });
    expect([...families.keys()]).toEqual([...PROTECTED_DP, 'app_big']);
    expect(families.get('app_big')).toBe(8);
  });

  it('an exclude list cannot remove the freshness families', () => {
    const { families } = render({ exclude: ['motor:*'] });
    for (const name of PROTECTED_DP) expect(families.get(name)).toBe(2);
    expect(families.has('motor:requests_running')).toBe(false);
    expect(families.has('motor:active_decode_workers')).toBe(false);
    expect(families.get('vllm:num_requests_running')).toBe(2);
  });

  it('an exact name does not match its _max companion', () => {
    const { families } = render({ exclude: ['vllm:num_requests_running'] });
    expect(families.has('vllm:num_requests_running')).toBe(false);
    expect(families.get('vllm:num_requests_running_max')).toBe(2);
  });

  it('decides families that appear in a later cycle too', () => {
    const agg = aggregator({ exclude: ['late_*'] });
    agg.ingest(cycleOf([okPage(A, PAGE, 500)], 1000));
    const late = `${PAGE}# TYPE late_gauge gauge\nlate_gauge 1\n# TYPE kept_gauge gauge\nkept_gauge 1\n`;
    const s = agg.ingest(cycleOf([okPage(A, late, 3500)], 4000));
    const families = familiesOf(s.render('dp', undefined, 'prometheus').body);
    expect(families.has('late_gauge')).toBe(false);
    expect(families.get('kept_gauge')).toBe(1);
  });

  it('keys its decisions by catalog: the same id in another catalog is decided anew', () => {
    const fam = (id: number, name: string) => ({ id, name }) as Family;
    const filter = new FamilyFilter({ exclude: ['app_drop'] });
    const old = [fam(0, 'app_keep'), fam(1, 'app_drop')];
    const next = [fam(0, 'app_drop'), fam(1, 'app_keep')];
    expect([...filter.allowed('dp', old).subarray(0, 2)]).toEqual([1, 0]);
    expect([...filter.allowed('dp', next).subarray(0, 2)]).toEqual([0, 1]);
    expect([...filter.allowed('dp', old).subarray(0, 2)]).toEqual([1, 0]);
  });

  it('keeps filtering across a catalog compaction', () => {
    const agg = new MetricsPipeline({
      staleAfterMs: 10_000,
      families: { exclude: ['app_drop'] },
      compactAtSeries: 20,
      compactEvery: 1,
    });
    const keepDrop =
      '# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name="m"} 1\n' +
      '# TYPE app_keep gauge\napp_keep 1\n# TYPE app_drop gauge\napp_drop 1\n';
    const churn = `# TYPE gone gauge\n${Array.from({ length: 60 }, (_, i) => `gone{i="${i}"} 1`).join('\n')}\n`;
    const first = agg.ingest(cycleOf([okPage(A, churn + keepDrop, 500)], 1000));
    expect(
      familiesOf(first.render('dp', undefined, 'prometheus').body).has(
        'app_drop',
      ),
    ).toBe(false);
    // `gone` leaves the page: most of the catalog is dead, a new one replaces it.
    const second = agg.ingest(cycleOf([okPage(A, keepDrop, 3500)], 4000));
    expect(agg.compactions).toBe(1);
    const families = familiesOf(
      second.render('dp', undefined, 'prometheus').body,
    );
    expect(families.get('app_keep')).toBe(1);
    expect(families.get('motor:requests_running_max')).toBe(1);
    expect(families.has('app_drop')).toBe(false);
    expect(families.has('gone')).toBe(false);
  });

  it('filters OTLP JSON the same way', () => {
    const s = snapshotOf({ exclude: ['app_*', 'python_*'] });
    const json = JSON.parse(
      s.render('dp', undefined, 'opentelemetry').body.toString('utf8'),
    ) as {
      resourceMetrics: { scopeMetrics: { metrics: { name: string }[] }[] }[];
    };
    const names = json.resourceMetrics[0]!.scopeMetrics[0]!.metrics.map(
      (m) => m.name,
    );
    expect(names).toContain('process_open_fds');
    expect(names).toContain('motor:endpoint_up');
    expect(names.filter((n) => /^(app_|python_)/.test(n))).toEqual([]);
    const text = familiesOf(s.render('dp', undefined, 'prometheus').body);
    expect(names).toEqual([...text.keys()]);
  });
});

describe('series budget', () => {
  it('at exactly the view size nothing is dropped', () => {
    const { families, dropped } = render({ maxSeries: 41 });
    expect(families.get('app_big')).toBe(8);
    expect(dropped).toBeUndefined();
  });

  it('one series over: the largest family goes', () => {
    const { families, dropped } = render({ maxSeries: 40 });
    expect(dropped).toEqual([{ family: 'app_big', series: 8 }]);
    expect(families.has('app_big')).toBe(false);
    expect([...families.values()].reduce((a, b) => a + b, 0)).toBe(33);
  });

  it('drops the largest families first until the rest fit', () => {
    // 41 - 8 = 33 > 30, - 6 = 27 ≤ 30
    const { families, dropped } = render({ maxSeries: 30 });
    expect(dropped).toEqual([
      { family: 'app_big', series: 8 },
      { family: 'app_mid', series: 6 },
    ]);
    expect([...families.values()].reduce((a, b) => a + b, 0)).toBe(27);
    expect(families.get('python_gc_objects_collected_total')).toBe(4);
  });

  it('never drops a protected family; ties go by name', () => {
    const { families, dropped } = render({ maxSeries: 1 });
    expect(dropped).toEqual([
      { family: 'app_big', series: 8 },
      { family: 'app_mid', series: 6 },
      { family: 'python_gc_objects_collected_total', series: 4 },
      { family: 'motor:requests_running', series: 2 },
      { family: 'motor:requests_running_max', series: 2 },
      { family: 'process_open_fds', series: 2 },
      { family: 'vllm:num_requests_running', series: 2 },
      { family: 'vllm:num_requests_running_max', series: 2 },
      { family: 'motor:active_decode_workers', series: 1 },
      { family: 'motor:active_prefill_workers', series: 1 },
      { family: 'motor:active_union_workers', series: 1 },
    ]);
    expect([...families.keys()]).toEqual(PROTECTED_DP);
  });

  it('counts only what the lists kept, and per view', () => {
    // Without app_*: 41 - 14 = 27 ≤ 30, nothing to drop.
    expect(
      render({ exclude: ['app_*'], maxSeries: 30 }).dropped,
    ).toBeUndefined();
    // A dp budget binds dp only: the full view (20 series by hand) keeps everything.
    const options = { maxSeries: { dp: 15 } };
    const full = render(options, 'full');
    expect(full.dropped).toBeUndefined();
    expect(full.families.get('app_big')).toBe(4);
    expect(render(options, 'dp').dropped?.[0]).toEqual({
      family: 'app_big',
      series: 8,
    });
  });

  it('an inactive filter is recognised', () => {
    expect(new FamilyFilter().inactive).toBe(true);
    expect(
      new FamilyFilter({ include: [], exclude: { dp: [] } }).inactive,
    ).toBe(true);
    expect(new FamilyFilter({ maxSeries: 10 }).inactive).toBe(false);
    expect(new FamilyFilter({ exclude: { dp: ['x'] } }).inactive).toBe(false);
  });
});
