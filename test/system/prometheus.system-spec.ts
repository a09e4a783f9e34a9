import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { VIEW_TYPES } from '../../src/aggregate/cycle.types.js';
import { startFleet, type Fleet } from '../../src/simulator/fleet.js';
import { startHarness, type Harness } from '../support/app-harness.js';
import {
  pollUntil,
  probeLeaves,
  probeTree,
  startPrometheus,
  type Probe,
  type PrometheusServer,
} from '../support/prometheus-server.js';

/**
 * A real Prometheus scrapes a live coordinator with the deploy/prometheus
 * scrape jobs (one per view, `params: {type: [...]}`, `__param_type` → `view`)
 * and loads the rule groups taken from the PrometheusRule. The engines are
 * the simulated vLLM fleet on 127.0.0.2–4 (one prefill, two decode instances,
 * four endpoints), advanced by the test's own ticker so that rates are not
 * zero; the ticker is stopped before values are compared exactly.
 *
 * Every dashboard query must return data as written. Alert expressions are
 * normally empty (nothing is wrong), so each one is checked through its
 * operands (see `Probe` in prometheus-server.ts): a comparison or `and`
 * needs data on every side, an `or` on one side, `absent(x)` needs `x`.
 * The structural alerts must also be empty here (a healthy cluster), and
 * turn pending once an engine stops answering.
 */

const ROOT = join(import.meta.dirname, '..', '..');

type Obj = Record<string, any>;
const byText = (a: unknown, b: unknown): number =>
  String(a).localeCompare(String(b));

/** Samples of `name` in a view as the coordinator serves it now. */
async function served(
  h: Harness,
  view: string,
  name: string,
): Promise<number[]> {
  const text = await (await fetch(`${h.obs}/metrics?type=${view}`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
    .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

const deploy = (...p: string[]) => join(ROOT, 'deploy', ...p);
const plainConfig = YAML.parse(
  readFileSync(deploy('prometheus', 'prometheus.yml'), 'utf8'),
) as Obj;
const prometheusRule = YAML.parse(
  readFileSync(deploy('prometheus', 'prometheusrule.yaml'), 'utf8'),
) as Obj;
const dashboard = JSON.parse(
  readFileSync(deploy('grafana', 'motor-coordinator.json'), 'utf8'),
) as Obj;
const alerts = (prometheusRule.spec.groups as Obj[]).flatMap(
  (g) => g.rules as Obj[],
);

function dashboardQueries(panels: Obj[]): { title: string; expr: string }[] {
  return panels.flatMap((p) => [
    ...((p.targets ?? []) as Obj[]).map((t) => ({
      title: `${p.title as string} / ${t.refId as string}`,
      // Grafana's own interval variable, as it would substitute it.
      expr: (t.expr as string).replaceAll('$__rate_interval', '1m'),
    })),
    ...dashboardQueries((p.panels ?? []) as Obj[]),
  ]);
}

/** Structural alerts: quiet in a healthy cluster. */
const QUIET_WHEN_HEALTHY = [
  'MotorCoordinatorDown',
  'MotorCoordinatorNoMaster',
  'MotorCoordinatorEndpointsNotScraped',
  'MotorEngineEndpointDown',
];

describe('Prometheus scraping a live coordinator with the deploy/ assets', () => {
  let fleet: Fleet | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let h: Harness | undefined;
  let prom: PrometheusServer | undefined;
  let obsTarget = '';

  beforeAll(async () => {
    fleet = await startFleet({
      instances: [
        { id: 1, role: 'prefill', dpRanks: 1 },
        { id: 2, role: 'decode', dpRanks: 1 },
        { id: 3, role: 'decode', dpRanks: 2 },
      ],
      seed: 7,
      warmupSeconds: 120,
    });
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
    await pollUntil(
      'all four endpoints scraped by the coordinator',
      async () =>
        (await served(harness, 'full', 'motor:endpoints_scraped'))[0] === 4
          ? true
          : undefined,
    );

    obsTarget = new URL(h.obs).host;
    const config = {
      ...plainConfig,
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: (plainConfig.scrape_configs as Obj[]).map((job) => ({
        ...job,
        scrape_interval: '1s',
        scrape_timeout: '1s',
        static_configs: [{ targets: [obsTarget] }],
      })),
    };
    prom = await startPrometheus(config, {
      'motor-coordinator-rules.yml': { groups: prometheusRule.spec.groups },
    });
    const p = prom;
    await pollUntil(
      'every view target up, with a few samples stored',
      async () => {
        const ups = await p.query('count_over_time(up[1m])');
        const upNow = await p.query('up == 1');
        return VIEW_TYPES.every(
          (v) =>
            upNow.some((s) => s.metric.view === v) &&
            ups.some((s) => s.metric.view === v && Number(s.value[1]) >= 3),
        )
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

  it('scrapes each view through the type parameter and labels it view=<type>', async () => {
    const targets = await prom!.api<{ activeTargets: Obj[] }>(
      '/api/v1/targets?state=active',
    );
    expect(targets.activeTargets).toHaveLength(VIEW_TYPES.length);
    for (const v of VIEW_TYPES) {
      const t = targets.activeTargets.find((x) => x.labels.view === v);
      expect(t, v).toBeDefined();
      expect(t!.health, `${v}: ${t!.lastError}`).toBe('up');
      const url = new URL(t!.scrapeUrl as string);
      expect(url.pathname).toBe('/metrics');
      expect(url.searchParams.get('type')).toBe(v);
      expect(url.host).toBe(obsTarget);
    }
  });

  it('keeps only the per-endpoint health and load families of the dp view', async () => {
    const dp = await prom!.query('count by (__name__) ({view="dp"})');
    // `up` and `scrape_*` are Prometheus' own series for the target.
    const names = dp
      .map((s) => s.metric.__name__!)
      .filter((n) => n !== 'up' && !n.startsWith('scrape_'))
      .sort(byText);
    expect(names).toContain('motor:endpoint_up');
    expect(names).toContain('vllm:num_requests_running');
    expect(
      names.filter(
        (n) =>
          !/^(motor:|vllm:(num_requests_running|num_requests_waiting|kv_cache_usage_perc)$)/.test(
            n!,
          ),
      ),
    ).toEqual([]);
    const up = await prom!.query('motor:endpoint_up{view="dp"}');
    expect(up).toHaveLength(4);
  });

  it('returns data for every dashboard query', async () => {
    const queries = dashboardQueries(dashboard.panels as Obj[]);
    expect(queries.length).toBeGreaterThan(20);
    const empty: string[] = [];
    for (const q of queries) {
      expect(q.expr, q.title).not.toContain('$');
      const result = await prom!.query(q.expr);
      if (result.length === 0) empty.push(`${q.title}: ${q.expr}`);
    }
    expect(empty).toEqual([]);
  });

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
      return p.kind === 'all' ? results.every(Boolean) : results.some(Boolean);
    };
    for (const a of alerts) {
      missing.length = 0;
      const tree = probeTree(a.expr as string);
      expect(probeLeaves(tree).length, a.alert).toBeGreaterThan(0);
      // The whole expression is valid PromQL against real data...
      const now = await prom!.query(a.expr as string);
      // ...and every signal it watches is there.
      expect(
        await evaluate(tree),
        `${a.alert}: no data for ${missing.join(' | ')}`,
      ).toBe(true);
      if (QUIET_WHEN_HEALTHY.includes(a.alert as string)) {
        expect(now, `${a.alert} in a healthy cluster`).toEqual([]);
      }
    }
  });

  it('loads and evaluates the rule groups without errors', async () => {
    const data = await pollUntil('every rule evaluated', async () => {
      const d = await prom!.api<{ groups: Obj[] }>('/api/v1/rules');
      const rules = d.groups.flatMap((g) => g.rules as Obj[]);
      return rules.every((r) => !String(r.lastEvaluation).startsWith('0001'))
        ? rules
        : undefined;
    });
    expect(data.map((r) => r.name).sort(byText)).toEqual(
      alerts.map((a) => a.alert as string).sort(byText),
    );
    for (const r of data)
      expect(r.health, `${r.name}: ${r.lastError}`).toBe('ok');
  });

  it('carries the engine traffic through: token rates above zero', async () => {
    const rate = await prom!.query(
      'max_over_time(motor:generation_tokens_per_second{view="full"}[1m])',
    );
    expect(rate).toHaveLength(1);
    expect(Number(rate[0]!.value[1])).toBeGreaterThan(0);
    const counter = await prom!.query(
      'sum(rate(vllm:generation_tokens_total{view="full"}[1m]))',
    );
    expect(Number(counter[0]!.value[1])).toBeGreaterThan(0);
  });

  it('stores exactly the aggregated values the coordinator serves', async () => {
    // Engines stop moving; after two more requests to every endpoint the
    // coordinator has digested at least one cycle of the final pages
    // (cycles never overlap). Then wait for a Prometheus scrape after that.
    clearInterval(ticker);
    await Promise.all(
      fleet!.endpoints.map((e) =>
        e.server.waitForRequests(e.server.requests + 2),
      ),
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

    const configured = await prom!.query(
      'motor:endpoints_configured{view="full"}',
    );
    expect(configured).toHaveLength(1);
    expect(configured[0]!.metric).toMatchObject({
      view: 'full',
      instance: obsTarget,
      job: 'motor-coordinator-full',
    });
    expect(Number(configured[0]!.value[1])).toBe(4);
    expect(await served(h!, 'full', 'motor:endpoints_configured')).toEqual([4]);

    for (const name of [
      'vllm:num_requests_running',
      'vllm:generation_tokens_total',
    ]) {
      const stored = await prom!.query(`sum(${name}{view="full"})`);
      const now = sum(await served(h!, 'full', name));
      expect(Number(stored[0]!.value[1]), name).toBe(now);
      expect(now, name).toBeGreaterThan(0);
    }

    const perInstance = await prom!.query(
      'motor:endpoints_configured{view="instance"}',
    );
    expect(
      perInstance
        .map((s) => `${s.metric.instance_id}:${s.metric.role}=${s.value[1]}`)
        .sort(byText),
    ).toEqual(['1:prefill=1', '2:decode=1', '3:decode=2']);
    const perRole = await prom!.query('vllm:kv_cache_usage_perc{view="role"}');
    expect(new Set(perRole.map((s) => s.metric.role))).toEqual(
      new Set(['prefill', 'decode']),
    );
  });

  it('turns the endpoint alerts pending when an engine stops answering', async () => {
    const stopped = fleet!.engines[2]![1]!;
    expect(stopped).toMatchObject({ instanceId: 3, rank: 1 });
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
      instance_id: '3',
      pod_ip: stopped.ip,
      role: 'decode',
      dp_rank: '1',
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
});
