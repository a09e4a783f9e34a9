// Long on purpose, one file: every block starts its own coordinator and
// Prometheus (and a simulated fleet) and holds them for minutes. In one file
// the blocks run one after the other; split, vitest would run them side by
// side on the 2-core CI machine, where the waits for scrapes and rule
// evaluations would start to time out. Its helpers live in test/support/.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QUANTILES } from '../../src/aggregate/metric-semantics.js';
import type { Fleet } from '../../src/simulator/fleet.js';
import { VIEW_TYPES } from '../../src/aggregate/views.js';
import { startHarness, type Harness } from '../support/app-harness.js';
import {
  dashboardQueries,
  servedByRules,
  substitute,
} from '../support/dashboard-queries.js';
import { FIXTURES_DIR } from '../support/fixtures.js';
import type { Obj } from '../support/k8s-manifests.js';
import {
  alerts,
  dashboard,
  plainConfig,
  prometheusRule,
  RECORDED,
  recordingRules,
} from '../support/monitoring-assets.js';
import { pollUntil } from '../support/poll-until.js';
import { FLEETS, gapIn, modelOf } from '../support/prometheus-fleets.js';
import {
  startPrometheus,
  type PromSample,
  type PrometheusServer,
} from '../support/prometheus-server.js';
import { probeLeaves, probeTree, type Probe } from '../support/promql-scan.js';
import { bucketWidth, keyed } from '../support/series-comparison.js';
import { served, sum } from '../support/served-samples.js';

/**
 * A real Prometheus scrapes a live coordinator with the deploy/prometheus
 * scrape jobs (one per view, `params: {type: [...]}`, `__param_type` → `view`)
 * and loads the rule groups taken from the PrometheusRule. It also scrapes
 * every simulated engine directly, as engines-podmonitor.yaml does (`role`
 * and `model_name` as target labels), with the generated recording rules
 * loaded: the two back ends of SPEC §3.2 side by side. The engines are
 * advanced by the test's own ticker so that rates are not zero; the ticker
 * is stopped before values are compared exactly.
 *
 * The fleet is a parameter (FLEETS in prometheus-fleets.ts): each case runs
 * the whole suite.
 *
 * Every dashboard query must return data as written. Alert expressions are
 * normally empty (nothing is wrong), so each one is checked through its
 * operands (see `Probe` in promql-scan.ts): a comparison or `and`
 * needs data on every side, an `or` on one side, `absent(x)` needs `x`.
 * The structural alerts must also be empty here (a healthy cluster), and
 * turn pending once an engine stops answering.
 */

const byText = (a: unknown, b: unknown): number =>
  String(a).localeCompare(String(b));

/** Structural alerts: quiet in a healthy cluster. */
const QUIET_WHEN_HEALTHY = [
  'MotorCoordinatorDown',
  'MotorCoordinatorNoMaster',
  'MotorCoordinatorEndpointsNotScraped',
  'MotorEngineEndpointDown',
  'MotorCoordinatorCycleSaturated',
];

const ENGINE_JOB = 'motor-engines';

describe.each(FLEETS)(
  'Prometheus with the deploy/ assets, both back ends: $name',
  (fc) => {
    let fleet: Fleet | undefined;
    let ticker: NodeJS.Timeout | undefined;
    let h: Harness | undefined;
    let prom: PrometheusServer | undefined;
    let obsTarget = '';
    const noData = fc.noData ?? {};
    const gaps = fc.gaps ?? {};
    const gapOf = gapIn(gaps);

    const coordinatorCycles = async (): Promise<number> =>
      sum(await served(h!, 'full', 'motor_coordinator_scrape_cycles_total'));

    beforeAll(async () => {
      fleet = await fc.start();
      const f = fleet;
      ticker = setInterval(() => f.tick(0.25), 250);
      h = await startHarness({ COORDINATOR_REUSE_TIME: '0.5' });
      const refresh = await fetch(`${h.mgmt}/instances/refresh`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(fleet.refreshBody('set')),
      });
      expect(refresh.status).toBe(200);
      const harness = h;
      const endpoints = fleet.endpoints.length;
      await pollUntil('every endpoint scraped by the coordinator', async () =>
        (await served(harness, 'full', 'motor:endpoints_scraped'))[0] ===
        endpoints
          ? true
          : undefined,
      );

      obsTarget = new URL(h.obs).host;
      const config = {
        ...plainConfig,
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        scrape_configs: [
          ...(plainConfig.scrape_configs as Obj[]).map((job) => ({
            ...job,
            scrape_interval: '1s',
            scrape_timeout: '1s',
            static_configs: [{ targets: [obsTarget] }],
          })),
          // engines-podmonitor.yaml outside Kubernetes: role and model as target labels
          {
            job_name: ENGINE_JOB,
            metrics_path: '/metrics',
            scrape_interval: '1s',
            scrape_timeout: '1s',
            static_configs: fleet.endpoints.map((e) => ({
              targets: [`${e.ip}:${e.port}`],
              labels: { role: e.role, model_name: modelOf(f, e) },
            })),
          },
        ],
      };
      prom = await startPrometheus(config, {
        'motor-coordinator-rules.yml': { groups: prometheusRule.spec.groups },
        'recording-rules.yml': recordingRules,
      });
      const p = prom;
      await pollUntil(
        'every view and engine target up, with a few samples stored',
        async () => {
          const ups = await p.query('count_over_time(up[1m])');
          const upNow = await p.query('up == 1');
          const engines = upNow.filter((s) => s.metric.job === ENGINE_JOB);
          return VIEW_TYPES.every(
            (v) =>
              upNow.some((s) => s.metric.view === v) &&
              ups.some((s) => s.metric.view === v && Number(s.value[1]) >= 3),
          ) && engines.length === endpoints
            ? true
            : undefined;
        },
        30_000,
      );
    });

    afterAll(async () => {
      clearInterval(ticker);
      const errors: unknown[] = [];
      for (const step of [
        () => prom?.close(),
        () => h?.close(),
        () => fleet?.close(),
      ]) {
        try {
          await step();
        } catch (err) {
          errors.push(err);
        }
      }
      if (errors.length > 0) throw errors[0];
    });

    it('scrapes each view through the type parameter, labelled view=<type> and source=coordinator', async () => {
      const targets = await prom!.api<{ activeTargets: Obj[] }>(
        '/api/v1/targets?state=active',
      );
      const views = targets.activeTargets.filter(
        (t) => t.labels.job !== ENGINE_JOB,
      );
      expect(views).toHaveLength(VIEW_TYPES.length);
      for (const v of VIEW_TYPES) {
        const t = views.find((x) => x.labels.view === v);
        expect(t, v).toBeDefined();
        expect(t!.health, `${v}: ${t!.lastError}`).toBe('up');
        expect(t!.labels.source).toBe('coordinator');
        const url = new URL(t!.scrapeUrl as string);
        expect(url.pathname).toBe('/metrics');
        expect(url.searchParams.get('type')).toBe(v);
        expect(url.host).toBe(obsTarget);
      }
      const engines = targets.activeTargets.filter(
        (t) => t.labels.job === ENGINE_JOB,
      );
      expect(engines.map((t) => t.health)).toEqual(
        fleet!.endpoints.map(() => 'up'),
      );
    });

    it('keeps only the per-endpoint health and load families of the dp view', async () => {
      const dp = await prom!.query('count by (__name__) ({view="dp"})');
      // `up` and `scrape_*` are Prometheus' own series for the target.
      const names = dp
        .map((s) => s.metric.__name__!)
        .filter((n) => n !== 'up' && !n.startsWith('scrape_'))
        .sort(byText);
      expect(names).toContain('motor:endpoint_up');
      expect(names).toContain('motor:requests_running');
      expect(
        names.filter(
          (n) =>
            !/^(motor:(endpoint_up|endpoint_last_success_timestamp_seconds|endpoints_configured|endpoints_scraped|scrape_duration_seconds|requests_running|requests_waiting|kv_cache_usage_ratio)|vllm:(num_requests_running|num_requests_waiting|kv_cache_usage_perc))$/.test(
              n,
            ),
        ),
      ).toEqual([]);
      const up = await prom!.query('motor:endpoint_up{view="dp"}');
      expect(up).toHaveLength(fleet!.endpoints.length);
    });

    it('returns data for every dashboard query (coordinator back end)', async () => {
      const queries = dashboardQueries(dashboard.panels as Obj[]);
      expect(queries.length).toBeGreaterThan(30);
      const empty: string[] = [];
      const seen = new Set<string>();
      for (const q of queries) {
        const expr = substitute(q.raw, 'coordinator');
        expect(expr, q.title).not.toContain('$');
        if (noData[q.title.slice(0, q.title.lastIndexOf(' / '))]) continue;
        const result = await prom!.query(expr);
        const gap = gapOf(q.raw);
        if (gap) {
          expect(result, `${q.title}: still a gap (${gap})?`).toEqual([]);
          seen.add(gap);
        } else if (result.length === 0) empty.push(`${q.title}: ${expr}`);
      }
      expect(empty).toEqual([]);
      expect([...seen].sort(byText)).toEqual(Object.keys(gaps).sort(byText));
    });

    it('returns data for every dashboard query the recording rules serve (rules back end)', async () => {
      // The rules record with a 1m window: wait until they have a full one.
      await pollUntil(
        'a minute of engine samples',
        async () => {
          const r = await prom!.query(
            `min(count_over_time(up{job="${ENGINE_JOB}"}[65s]))`,
          );
          return r.length > 0 && Number(r[0]!.value[1]) >= 62
            ? true
            : undefined;
        },
        120_000,
        1_000,
      );
      const queries = dashboardQueries(dashboard.panels as Obj[]).filter((q) =>
        servedByRules(q.raw),
      );
      expect(queries.length).toBeGreaterThan(15);
      const empty: string[] = [];
      for (const q of queries) {
        if (noData[q.title.slice(0, q.title.lastIndexOf(' / '))]) continue;
        const expr = substitute(q.raw, 'rules');
        const result = await prom!.query(expr);
        if (result.length === 0) empty.push(`${q.title}: ${expr}`);
        // Nothing of the coordinator leaks into the rules back end.
        for (const s of result)
          if (s.metric.source) expect(s.metric.source, q.title).toBe('rules');
      }
      expect(empty).toEqual([]);
    }, 150_000);

    it('evaluates every alert expression, with data behind each operand', async () => {
      const missing: string[] = [];
      const evaluate = async (p: Probe): Promise<boolean> => {
        if (p.kind === 'literal') return true;
        if (p.kind === 'leaf') {
          const ok = (await prom!.query(p.expr)).length > 0;
          if (!ok) missing.push(p.expr);
          return ok;
        }
        const results: boolean[] = [];
        for (const part of p.parts) results.push(await evaluate(part));
        return p.kind === 'all'
          ? results.every(Boolean)
          : results.some(Boolean);
      };
      for (const a of alerts) {
        missing.length = 0;
        const tree = probeTree(a.expr as string);
        expect(probeLeaves(tree).length, a.alert).toBeGreaterThan(0);
        // The whole expression is valid PromQL against real data...
        const now = await prom!.query(a.expr as string);
        if (QUIET_WHEN_HEALTHY.includes(a.alert as string)) {
          expect(now, `${a.alert} in a healthy cluster`).toEqual([]);
        }
        if (noData[a.alert as string]) continue;
        // ...and every signal it watches is there.
        expect(
          await evaluate(tree),
          `${a.alert}: no data for ${missing.join(' | ')}`,
        ).toBe(true);
      }
    });

    it('the SLO alerts read the recording rules where no coordinator serves the model', async () => {
      for (const name of ['MotorTTFTHigh', 'MotorTPOTHigh']) {
        const expr = alerts.find((a) => a.alert === name)!.expr as string;
        // The rules' half of the `or`, alone: the p95 it would alert on.
        const rulesHalf =
          /or (sum by \(le, namespace, model_name\) \(motor:[a-z_]+_bucket:rate1m\{view="full"\}\))/.exec(
            expr,
          );
        expect(rulesHalf, name).not.toBeNull();
        const p95 = await prom!.query(
          `histogram_quantile(0.95, ${rulesHalf![1]!})`,
        );
        expect(p95.length, name).toBeGreaterThan(0);
        for (const s of p95)
          expect(Number(s.value[1]), name).toBeGreaterThan(0);
      }
    });

    it('loads and evaluates the alert and recording rule groups without errors', async () => {
      const data = await pollUntil('every rule evaluated', async () => {
        const d = await prom!.api<{ groups: Obj[] }>('/api/v1/rules');
        const rules = d.groups.flatMap((g) => g.rules as Obj[]);
        return rules.every((r) => !String(r.lastEvaluation).startsWith('0001'))
          ? rules
          : undefined;
      });
      expect(data.map((r) => r.name).sort(byText)).toEqual(
        [...alerts.map((a) => a.alert as string), ...RECORDED].sort(byText),
      );
      for (const r of data)
        expect(r.health, `${r.name}: ${r.lastError}`).toBe('ok');
    });

    it('carries the engine traffic through: token rates above zero', async () => {
      const rate = await prom!.query(
        'max_over_time(motor:generation_tokens_per_second{view="full", source="coordinator"}[1m])',
      );
      expect(rate).toHaveLength(1);
      expect(Number(rate[0]!.value[1])).toBeGreaterThan(0);
      const counter = await prom!.query(
        'sum(rate(motor:generation_tokens_total{view="full", source="coordinator"}[1m]))',
      );
      expect(Number(counter[0]!.value[1])).toBeGreaterThan(0);
    });

    it('the recording rules give the coordinator windowed families within a bucket width (quantiles) or 10 % (rates, means)', async () => {
      const histograms = [...RECORDED]
        .filter((n) => n.endsWith('_bucket:rate1m'))
        .map((n) => n.slice(0, -'_bucket:rate1m'.length));
      const windowed = [
        ...histograms.flatMap((f) => [
          ...QUANTILES.map((q) => f + q.suffix),
          `${f}_mean`,
        ]),
        'motor:prompt_tokens_per_second',
        'motor:generation_tokens_per_second',
        'motor:prefix_cache_hit_ratio',
        'motor:pd_time_to_first_token_mean_seconds',
      ];
      for (const n of windowed) expect(RECORDED.has(n), n).toBe(true);
      const names = windowed.join('|');
      // One instant for both back ends.
      const [coord, rules, buckets] = await Promise.all([
        prom!.query(
          `{__name__=~"${names}", view="full", source="coordinator"}`,
        ),
        prom!.query(`{__name__=~"${names}", source="rules"}`),
        prom!.query(
          `count by (__name__, le) ({__name__=~"${histograms.map((f) => `${f}_bucket`).join('|')}", view="full", source="coordinator"})`,
        ),
      ]);
      const labels = ['model_name', 'quantile'];
      const c = keyed(coord, labels);
      const r = keyed(rules, labels);
      for (const gap of Object.keys(gaps)) {
        const of = (m: Map<string, number>) =>
          [...m.keys()].filter((k) => k.startsWith(`${gap}_`));
        expect(of(c), `${gap} still missing from the coordinator?`).toEqual([]);
        expect(of(r).length, `${gap} from the rules`).toBe(
          QUANTILES.length + 1,
        );
        for (const k of of(r)) r.delete(k);
      }
      expect([...r.keys()].sort(byText)).toEqual([...c.keys()].sort(byText));
      const layouts = new Map<string, number[]>();
      for (const b of buckets) {
        const le = Number(b.metric.le);
        if (!Number.isFinite(le)) continue;
        const f = b.metric.__name__!.slice(0, -'_bucket'.length);
        layouts.set(
          f,
          [...(layouts.get(f) ?? []), le].sort((x, y) => x - y),
        );
      }
      const rows: string[] = [];
      const off: string[] = [];
      for (const [key, cv] of c) {
        const rv = r.get(key)!;
        const name = key.split(' ')[0]!;
        const family = histograms.find((f) => name.startsWith(f));
        let tolerance: number;
        let why: string;
        if (family && !name.endsWith('_mean')) {
          const layout = layouts.get(family) ?? [];
          expect(layout.length, family).toBeGreaterThan(1);
          tolerance = Math.max(
            bucketWidth(layout, cv),
            bucketWidth(layout, rv),
          );
          why = 'one bucket';
        } else if (name === 'motor:prefix_cache_hit_ratio') {
          tolerance = 0.05;
          why = '0.05';
        } else {
          tolerance = 0.1 * Math.abs(cv);
          why = '10 %';
        }
        rows.push(`${key}: coordinator ${cv} rules ${rv} (±${why})`);
        if (!(Math.abs(cv - rv) <= tolerance))
          off.push(
            `${key}: coordinator ${cv}, rules ${rv}, tolerance ${tolerance}`,
          );
      }
      console.log(
        `windowed families, coordinator vs rules:\n${rows.join('\n')}`,
      );
      // Served by every engine kind: TTFT, inter-token and e2e quantiles,
      // both token rates.
      for (const must of [
        'motor:time_to_first_token_seconds_p95',
        'motor:inter_token_latency_seconds_p95',
        'motor:e2e_request_latency_seconds_p95',
        'motor:prompt_tokens_per_second',
        'motor:generation_tokens_per_second',
      ].filter((n) => !gapOf(n)))
        expect(
          [...c.keys()].some((k) => k.startsWith(`${must} `)),
          must,
        ).toBe(true);
      expect(off).toEqual([]);
    }, 30_000);

    it('stores exactly the aggregated values the coordinator serves, and the rules give the same levels once engines stop', async () => {
      // Engines stop moving; two more completed coordinator cycles mean one
      // started after that. Then wait for Prometheus: a scrape of the settled
      // views, a scrape of every engine, and a rule evaluation after those.
      clearInterval(ticker);
      const cycles = await coordinatorCycles();
      await pollUntil('two more coordinator cycles', async () =>
        (await coordinatorCycles()) >= cycles + 2 ? true : undefined,
      );
      const settledAt = Date.now() / 1000;
      await pollUntil('a scrape of the settled views', async () => {
        const r = await prom!.query(
          'min(timestamp({__name__="motor:endpoints_configured", view=~"full|instance"}))',
        );
        return r.length > 0 && Number(r[0]!.value[1]) > settledAt
          ? true
          : undefined;
      });
      const enginesScrapedAt = await pollUntil(
        'a scrape of every settled engine',
        async () => {
          const [min, max] = await Promise.all([
            prom!.query(`min(timestamp(up{job="${ENGINE_JOB}"}))`),
            prom!.query(`max(timestamp(up{job="${ENGINE_JOB}"}))`),
          ]);
          return min.length > 0 && Number(min[0]!.value[1]) > settledAt
            ? Number(max[0]!.value[1])
            : undefined;
        },
      );
      await pollUntil('a rule evaluation after those scrapes', async () => {
        const r = await prom!.query(
          'min(timestamp(motor:requests_running{source="rules"}))',
        );
        return r.length > 0 && Number(r[0]!.value[1]) > enginesScrapedAt
          ? true
          : undefined;
      });

      const configured = await prom!.query(
        'motor:endpoints_configured{view="full"}',
      );
      expect(configured).toHaveLength(1);
      expect(configured[0]!.metric).toMatchObject({
        view: 'full',
        source: 'coordinator',
        instance: obsTarget,
        job: 'motor-coordinator-full',
      });
      const endpoints = fleet!.endpoints.length;
      expect(Number(configured[0]!.value[1])).toBe(endpoints);
      expect(await served(h!, 'full', 'motor:endpoints_configured')).toEqual([
        endpoints,
      ]);

      for (const name of [
        'motor:requests_running',
        'motor:generation_tokens_total',
      ]) {
        const stored = await prom!.query(
          `sum(${name}{view="full", source="coordinator"})`,
        );
        const now = sum(await served(h!, 'full', name));
        expect(Number(stored[0]!.value[1]), name).toBe(now);
        expect(now, name).toBeGreaterThan(0);
      }

      const perInstance = await prom!.query(
        'motor:endpoints_configured{view="instance"}',
      );
      const expected = new Map<string, number>();
      for (const e of fleet!.endpoints) {
        const k = `${e.instanceId}:${e.role}`;
        expected.set(k, (expected.get(k) ?? 0) + 1);
      }
      expect(
        perInstance
          .map((s) => `${s.metric.instance_id}:${s.metric.role}=${s.value[1]}`)
          .sort(byText),
      ).toEqual([...expected].map(([k, n]) => `${k}=${n}`).sort(byText));
      const perRole = await prom!.query(
        'motor:kv_cache_usage_ratio{view="role"}',
      );
      expect(new Set(perRole.map((s) => s.metric.role))).toEqual(
        new Set(fleet!.endpoints.map((e) => e.role)),
      );

      // The rules' levels: counters (sum of the raw counters in scope) and
      // gauges equal the coordinator's full view. Every source was registered
      // in the first cycle, so no S1 join offset separates the two.
      const pairs: [string, string][] = [
        ...[...RECORDED]
          .filter((n) => n.endsWith(':sum') && !gapOf(n))
          .map((n): [string, string] => [n.slice(0, -':sum'.length), n]),
        ...[
          'motor:requests_running',
          'motor:requests_running_max',
          'motor:requests_waiting',
          'motor:kv_cache_usage_ratio',
          'motor:kv_cache_usage_ratio_max',
        ].map((n): [string, string] => [n, n]),
      ];
      const rows: string[] = [];
      const off: string[] = [];
      let compared = 0;
      for (const [coordName, rulesName] of pairs) {
        const [c, r] = await Promise.all([
          prom!.query(`${coordName}{view="full", source="coordinator"}`),
          prom!.query(`${rulesName}{source="rules"}`),
        ]);
        const labels = ['model_name', 'finished_reason'];
        const strip = (m: Map<string, number>) =>
          new Map([...m].map(([k, v]) => [k.slice(k.indexOf(' ') + 1), v]));
        const cm = strip(keyed(c, labels));
        const rm = strip(keyed(r, labels));
        expect([...rm.keys()].sort(byText), rulesName).toEqual(
          [...cm.keys()].sort(byText),
        );
        for (const [k, cv] of cm) {
          const rv = rm.get(k)!;
          compared++;
          rows.push(`${coordName} ${k}: coordinator ${cv} rules ${rv}`);
          // Integers exactly; ratios up to floating-point rounding.
          if (!(Math.abs(cv - rv) <= 1e-9 * Math.max(1, Math.abs(cv))))
            off.push(`${coordName} ${k}: coordinator ${cv}, rules ${rv}`);
        }
      }
      console.log(`levels after the engines stopped:\n${rows.join('\n')}`);
      // Served by every engine kind.
      for (const must of [
        'motor:prompt_tokens_total',
        'motor:generation_tokens_total',
        'motor:time_to_first_token_seconds_count',
        'motor:requests_running',
        'motor:kv_cache_usage_ratio',
      ].filter((n) => !gapOf(n)))
        expect(
          rows.some((r) => r.startsWith(`${must} `)),
          must,
        ).toBe(true);
      expect(compared).toBeGreaterThan(0);
      expect(off).toEqual([]);
    }, 60_000);

    it('turns the endpoint alerts pending when an engine stops answering', async () => {
      const stopped = fleet!.endpoints.at(-1)!;
      stopped.server.setMode('dead');
      const pending = await pollUntil(
        'MotorEngineEndpointDown pending',
        async () => {
          const r = await prom!.query(
            'ALERTS{alertname="MotorEngineEndpointDown", alertstate="pending"}',
          );
          return r.length > 0 ? r : undefined;
        },
        20_000,
      );
      expect(pending).toHaveLength(1);
      expect(pending[0]!.metric).toMatchObject({
        instance_id: String(stopped.instanceId),
        pod_ip: stopped.ip,
        role: stopped.role,
        dp_rank: String(stopped.rank),
        view: 'dp',
      });
      const notScraped = await pollUntil(
        'MotorCoordinatorEndpointsNotScraped pending',
        async () => {
          const r = await prom!.query(
            'ALERTS{alertname="MotorCoordinatorEndpointsNotScraped", alertstate="pending"}',
          );
          return r.length > 0 ? r : undefined;
        },
      );
      expect(notScraped[0]!.metric).toMatchObject({
        view: 'full',
        instance: obsTarget,
      });
      const missingNow = await prom!.query(
        'motor:endpoints_configured{view="full"} - motor:endpoints_scraped{view="full"}',
      );
      expect(Number(missingNow[0]!.value[1])).toBe(1);
    });
  },
);

/**
 * Real pages of every engine kind (the fixtures: vLLM V1 with and without
 * the deprecated KV alias, SGLang with and without its capacity gauge,
 * MindIE), one registry model, served unchanged from loopback: the
 * coordinator merges them, Prometheus scrapes them directly with the
 * recording rules, and each canonical level must be the same on both sides.
 * Static pages move no counter, so the windowed families must be absent on
 * both sides (but the prefix-cache hit ratio, which SGLang states as a gauge)
 * and the token rates 0.
 */
describe('recording rules and coordinator on real pages of vLLM, SGLang and MindIE', () => {
  const FIXTURES = FIXTURES_DIR;
  const MODEL = 'mixed-fleet';
  const pages: { file: string; role: string; ip: string }[] = [
    {
      file: 'synthetic-vllm-v1-deepseek-v3-engine0.prom',
      role: 'prefill',
      ip: '127.0.0.20',
    },
    {
      file: 'vllm-v1-qwen2.5-coder-32b-production-stack-318.prom',
      role: 'decode',
      ip: '127.0.0.21',
    },
    {
      file: 'sglang-llama-3.1-8b-instruct-sglang-docs.prom',
      role: 'decode',
      ip: '127.0.0.22',
    },
    {
      file: 'mindie-service-qwen2.5-0.5b-gpustack-1785.prom',
      role: 'union',
      ip: '127.0.0.23',
    },
    {
      file: 'sglang-llama-3.2-3b-path-label-sglang-pr1853.prom',
      role: 'prefill',
      ip: '127.0.0.24',
    },
  ];
  const servers: Server[] = [];
  const ports: number[] = [];
  let h: Harness | undefined;
  let prom: PrometheusServer | undefined;

  beforeAll(async () => {
    for (const p of pages) {
      const body = readFileSync(join(FIXTURES, p.file));
      const server = createServer((_req, res) => {
        res.writeHead(200, {
          'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
        });
        res.end(body);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, p.ip, () => resolve());
      });
      servers.push(server);
      ports.push((server.address() as AddressInfo).port);
    }
    h = await startHarness({ COORDINATOR_REUSE_TIME: '0.5' });
    const refresh = await fetch(`${h.mgmt}/instances/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        event: 'set',
        instances: pages.map((p, i) => ({
          job_name: `${p.role}-${i + 1}`,
          model_name: MODEL,
          id: i + 1,
          role: p.role,
          endpoints: {
            [p.ip]: {
              '0': {
                id: 0,
                ip: p.ip,
                business_port: String(ports[i]),
                mgmt_port: String(ports[i]),
              },
            },
          },
        })),
      }),
    });
    expect(refresh.status).toBe(200);
    const harness = h;
    await pollUntil('every page scraped by the coordinator', async () =>
      (await served(harness, 'full', 'motor:endpoints_scraped'))[0] ===
      pages.length
        ? true
        : undefined,
    );
    const obsTarget = new URL(h.obs).host;
    // A target that one Prometheus never starts scraping (seen once under a loaded
    // CI machine) is not what this test is about: start a fresh Prometheus once more.
    for (let attempt = 1; ; attempt++) {
      prom = await startPrometheus(
        {
          global: { scrape_interval: '1s', evaluation_interval: '1s' },
          scrape_configs: [
            {
              ...(plainConfig.scrape_configs as Obj[])[0],
              scrape_interval: '1s',
              scrape_timeout: '1s',
              static_configs: [{ targets: [obsTarget] }],
            },
            {
              job_name: ENGINE_JOB,
              scrape_interval: '1s',
              scrape_timeout: '1s',
              static_configs: pages.map((p, i) => ({
                targets: [`${p.ip}:${ports[i]}`],
                labels: { role: p.role, model_name: MODEL },
              })),
            },
          ],
        },
        { 'recording-rules.yml': recordingRules },
      );
      try {
        const p = prom;
        await pollUntil(
          'every page scraped by Prometheus, then the rules evaluated',
          async () => {
            const up = await p.query(`up{job="${ENGINE_JOB}"} == 1`);
            const coord = await p.query('up{view="full"} == 1');
            if (up.length !== pages.length || coord.length !== 1) {
              const t = await p.api<{ activeTargets: Obj[] }>(
                '/api/v1/targets?state=active',
              );
              throw new Error(
                t.activeTargets
                  .map(
                    (x) =>
                      `${x.scrapeUrl as string} ${x.health as string} (last scrape ${x.lastScrape as string}): ${x.lastError as string}`,
                  )
                  .join('; ') || 'targets not scraped yet',
              );
            }
            // every page scraped at least once before this instant
            const at = await p.query(`max(timestamp(up{job="${ENGINE_JOB}"}))`);
            const scraped = Number(at[0]!.value[1]);
            const rules = await p.query(
              'min(timestamp(motor:requests_running{source="rules"}))',
            );
            return rules.length > 0 && Number(rules[0]!.value[1]) > scraped
              ? true
              : undefined;
          },
          45_000,
        );
        break;
      } catch (err) {
        await prom.close();
        if (attempt === 2) throw err;
      }
    }
  }, 180_000);

  afterAll(async () => {
    await prom?.close();
    await h?.close();
    await Promise.all(
      servers.map((s) => new Promise<void>((r) => s.close(() => r()))),
    );
  });

  it('every canonical level is the same from the rules as from the coordinator', async () => {
    const pairs: [string, string][] = [
      ...[...RECORDED]
        .filter((n) => n.endsWith(':sum'))
        .map((n): [string, string] => [n.slice(0, -':sum'.length), n]),
      ...[
        'motor:requests_running',
        'motor:requests_running_max',
        'motor:requests_waiting',
        'motor:kv_cache_usage_ratio',
        'motor:kv_cache_usage_ratio_max',
      ].map((n): [string, string] => [n, n]),
    ];
    const rows: string[] = [];
    const off: string[] = [];
    for (const [coordName, rulesName] of pairs) {
      const [c, r] = await Promise.all([
        prom!.query(`${coordName}{view="full", source="coordinator"}`),
        prom!.query(`${rulesName}{source="rules"}`),
      ]);
      const byReason = (xs: PromSample[]) =>
        new Map(
          xs.map((s) => [s.metric.finished_reason ?? '', Number(s.value[1])]),
        );
      const cm = byReason(c);
      const rm = byReason(r);
      const show = (m: Map<string, number>) =>
        [...m].map(([k, v]) => `${k}=${v}`).join(' ');
      rows.push(`${coordName}: coordinator ${show(cm)} | rules ${show(rm)}`);
      expect(cm.size, coordName).toBeGreaterThan(0);
      expect([...rm.keys()].sort(byText), coordName).toEqual(
        [...cm.keys()].sort(byText),
      );
      for (const [k, cv] of cm) {
        const rv = rm.get(k)!;
        // Integers exactly; ratios up to floating-point rounding.
        if (!(Math.abs(cv - rv) <= 1e-9 * Math.max(1, Math.abs(cv))))
          off.push(`${coordName} ${k}: coordinator ${cv}, rules ${rv}`);
      }
      for (const s of [...c, ...r]) expect(s.metric.model_name).toBe(MODEL);
    }
    console.log(`real pages, levels:\n${rows.join('\n')}`);
    expect(off).toEqual([]);
  });

  it('static pages: windowed families absent on both sides, token rates 0', async () => {
    const windowed = [...RECORDED].filter((n) =>
      /_(p50|p95|p99|mean)$|_hit_ratio$|^motor:pd_/.test(n),
    );
    expect(windowed.length).toBeGreaterThan(16);
    const names = windowed.join('|');
    // Let both sides pass one more cycle / evaluation on unchanged pages.
    const at = Date.now() / 1000 + 1;
    await pollUntil(
      'a rule evaluation and a coordinator scrape later',
      async () => {
        const r = await prom!.query(
          'min(timestamp(motor:requests_running{source="rules"}) or timestamp(motor:endpoints_scraped{view="full"}))',
        );
        return r.length > 0 && Number(r[0]!.value[1]) > at ? true : undefined;
      },
    );
    const present = await prom!.query(`{__name__=~"${names}"}`);
    // SGLang's cache_hit_rate gauge is a level, not a window: it stays.
    expect(
      present
        .map((s) => `${s.metric.__name__} ${s.metric.source}`)
        .sort(byText),
    ).toEqual([
      'motor:prefix_cache_hit_ratio coordinator',
      'motor:prefix_cache_hit_ratio rules',
    ]);
    const ratios = present.map((s) => Number(s.value[1]));
    expect(ratios[0]).toBeCloseTo(ratios[1]!, 12);
    const rates = await prom!.query(
      '{__name__=~"motor:(prompt|generation)_tokens_per_second"}',
    );
    expect(
      rates
        .map((s) => `${s.metric.__name__} ${s.metric.source} ${s.value[1]}`)
        .sort(byText),
    ).toEqual([
      'motor:generation_tokens_per_second coordinator 0',
      'motor:generation_tokens_per_second rules 0',
      'motor:prompt_tokens_per_second coordinator 0',
      'motor:prompt_tokens_per_second rules 0',
    ]);
  });
});
