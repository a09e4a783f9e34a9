import { spawnSync } from 'node:child_process';
import { fixtureNames, readFixture } from '../../test/support/fixtures.js';
import {
  cycleOf,
  endpointRef,
  failedPage,
  okPage,
} from '../aggregate/cycle-builder.js';
import { ROLES, type Role } from '../instances/role.js';
import { VIEW_TYPES, type ViewType } from '../aggregate/views.js';
import { MetricsPipeline } from '../pipeline/metrics-pipeline.js';
import type { RenderedViews } from './rendered-views.js';

/**
 * Every view over every fixture must be one valid exposition for a real
 * `promtool check metrics`: exit 0 (clean) or 3 (lint only), and no finding other
 * than the lint kinds the engines' own names bring in, plus the `quantile` label
 * the derived `_p50/_p95/_p99` gauges carry by contract.
 */

const ACCEPTABLE = [
  /metric names should not contain ':'$/,
  /no help text$/,
  /non-counter metrics should not have "_total" suffix$/,
  /counter metrics should have "_total" suffix$/,
  /non-summary metrics should not have "quantile" label$/,
];

function promtool(body: Buffer): { status: number | null; findings: string[] } {
  const run = spawnSync('promtool', ['check', 'metrics'], {
    input: body,
    encoding: 'utf8',
  });
  if (run.error) throw new Error(`promtool not runnable: ${run.error.message}`);
  const findings = `${run.stdout}\n${run.stderr}`
    .split('\n')
    .filter((l) => l.trim() !== '');
  return { status: run.status, findings };
}

function expectValid(
  snapshot: RenderedViews,
  view: ViewType,
  role?: Role,
): void {
  const { body } = snapshot.render(view, role, 'prometheus');
  const { status, findings } = promtool(body);
  const unexpected = findings.filter(
    (f) => !ACCEPTABLE.some((re) => re.test(f)),
  );
  expect(unexpected, `${view}${role ? `/${role}` : ''}`).toEqual([]);
  expect([0, 3]).toContain(status);
}

const EDGE_PAGE = [
  '# HELP edge_value Help with a \\\\ backslash\\nand a newline.',
  '# TYPE edge_value gauge',
  'edge_value{path="C:\\\\dir",msg="say \\"hi\\"\\nbye",b="}{,=:"} NaN',
  'edge_value{path="inf"} +Inf',
  'edge_value{path="-inf"} -Inf',
  '# TYPE sglang:num_running_reqs gauge',
  'sglang:num_running_reqs{dp_rank="3",role="x",instance_id="y",pod_ip="z",model_name="m"} 4',
  '# TYPE empty_total counter',
  '# TYPE empty_hist histogram',
  '# TYPE rpc summary',
  'rpc{quantile="0.5"} 0.2',
  'rpc_sum 1',
  'rpc_count 2',
  'garbage line here',
  '',
].join('\n');

describe('promtool check metrics', () => {
  const files = fixtureNames();
  const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
  const pages = files.map((f, i) =>
    okPage(
      endpointRef(Math.floor(i / 2), ROLES[i % 3]!, `10.0.0.${i % 4}`, i % 2),
      readFixture(f),
      500,
    ),
  );
  const edge = endpointRef(50, 'decode', '10.0.1.1', 0);
  const down = endpointRef(51, 'prefill', '10.0.1.2', 0);
  agg.ingest(cycleOf([...pages, okPage(edge, EDGE_PAGE, 500)], 1000));
  const snapshot = agg.ingest(
    cycleOf(
      [
        ...pages,
        okPage(edge, EDGE_PAGE, 3500),
        failedPage(down, 'timeout', 3500),
      ],
      4000,
    ),
  );

  it('covers the fixture set', () => {
    expect(files.length).toBeGreaterThanOrEqual(9);
    expect(snapshot.endpoints.filter((e) => e.up)).toHaveLength(
      files.length + 1,
    );
  });

  it.each(VIEW_TYPES)('accepts the %s view over all fixtures', (view) => {
    expectValid(snapshot, view);
  });

  it.each(ROLES)('accepts the role view filtered to %s', (role) => {
    expectValid(snapshot, 'role', role);
  });

  it.each(VIEW_TYPES)('accepts the %s view of the empty snapshot', (view) => {
    expectValid(agg.emptyViews(1000), view);
  });

  it.each(VIEW_TYPES)(
    'accepts the %s view with family lists and a series budget',
    (view) => {
      const bounded = new MetricsPipeline({
        staleAfterMs: 10_000,
        families: {
          exclude: ['python_*', 'process_*', 'vllm:request_params_*'],
          maxSeries: 300,
        },
      });
      const s = bounded.ingest(cycleOf(pages, 1000));
      const r = s.render(view, undefined, 'prometheus');
      // The budget binds on the fixture set (more than 300 series per view).
      expect(r.dropped?.length ?? 0).toBeGreaterThan(0);
      expect(r.body.toString('utf8')).not.toMatch(/^process_/m);
      expectValid(s, view);
    },
  );

  it.each(VIEW_TYPES)(
    'accepts the %s view over hostile engines (reserved names, suffix clashes, label order, a coordinator scraped as an engine)',
    (view) => {
      const hostile = [
        // a plain gauge named like histogram x's sample, on another engine
        '# TYPE x_sum gauge\nx_sum 99\n# TYPE s_count counter\ns_count 7\n',
        '# TYPE x histogram\nx_bucket{le="1"} 1\nx_bucket{le="+Inf"} 2\nx_sum 3\nx_count 2\n' +
          '# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 2\ns_count 3\n',
        // __name__ label, the coordinator's own namespaces, one series twice in two label orders
        '# TYPE y gauge\ny{__name__="z",a="1"} 1\ny{a="1",b="2"} 1\ny{b="2",a="1"} 2\n' +
          '# TYPE motor_coordinator_up gauge\nmotor_coordinator_up 1\n# TYPE motor:requests_running gauge\nmotor:requests_running 5\n',
      ];
      const agg2 = new MetricsPipeline({ staleAfterMs: 10_000 });
      const refs = hostile.map((_, i) =>
        endpointRef(i + 1, ROLES[i % 3]!, `127.0.0.${i + 2}`, 0, 'm'),
      );
      let s: RenderedViews | undefined;
      for (const at of [1000, 4000])
        s = agg2.ingest(
          cycleOf(
            hostile.map((page, i) => okPage(refs[i]!, page, at - 1)),
            at,
          ),
        );
      expectValid(s!, view);
      const text = s!.render(view, undefined, 'prometheus').body.toString();
      expect(text).not.toContain('__name__');
      expect(text).not.toMatch(/^motor_coordinator_up /m);
      expect(text).not.toContain('# TYPE x_sum gauge');
    },
  );

  it('rejects a broken exposition (the check is real)', () => {
    const { status } = promtool(
      Buffer.from('# TYPE a gauge\na{x="1",x="2"} 1\n'),
    );
    expect(status).toBe(1);
  });
});
