import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { VIEW_TYPES } from '../../src/aggregate/views.js';
import { panelTargets } from '../support/dashboard-queries.js';
import {
  IDENTITY,
  K8S,
  one,
  removeDeployCopy,
  render,
  secondInstall,
  WORK,
  yamlDocs,
} from '../support/deploy-copy.js';
import {
  type Obj,
  selectorMatches,
  validateObject,
} from '../support/k8s-manifests.js';
import {
  alerts,
  dashboard,
  plainConfig,
  PROM,
  prometheusRule,
  serviceMonitor,
} from '../support/monitoring-assets.js';
import { PROMTOOL_BIN } from '../support/prometheus-server.js';
import { vectorSelectors } from '../support/promql-scan.js';
import { ROOT } from '../support/repo-root.js';

/**
 * The Prometheus assets of deploy/prometheus without a Prometheus: the
 * ServiceMonitor against the rendered Services (and a second install), the
 * plain prometheus.yml against the ServiceMonitor, the PrometheusRule and
 * its overlay schema-valid, promtool's checks and rule unit tests, every
 * alert documented (and given a README runbook), every query scoped to a view.
 */

const run = promisify(execFile);
afterAll(removeDeployCopy);

const byText = (a: unknown, b: unknown): number =>
  String(a).localeCompare(String(b));

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** Operator relabeling (camelCase) → prometheus.yml relabel config (snake_case). */
function relabelConfig(r: Obj): Obj {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [snake(k), v]));
}

describe('Prometheus assets', () => {
  const endpoints = serviceMonitor.spec.endpoints as Obj[];

  it('ServiceMonitor scrapes /metrics once per view, with params and a view label', () => {
    expect(endpoints.map((e) => e.params.type)).toEqual(
      VIEW_TYPES.map((v) => [v]),
    );
    const obsService = one(
      render(join(K8S, 'overlays', 'single')),
      'Service',
      'motor-coordinator-obs',
    );
    expect(
      selectorMatches(serviceMonitor.spec.selector, obsService.metadata.labels),
    ).toBe(true);
    for (const e of endpoints) {
      expect(e.path).toBe('/metrics');
      expect(obsService.spec.ports.map((p: Obj) => p.name)).toContain(e.port);
      expect(e.relabelings).toContainEqual({
        sourceLabels: ['__param_type'],
        targetLabel: 'view',
        action: 'replace',
      });
    }
  });

  it('prometheus.yml has one job per ServiceMonitor endpoint, scraped the same way', () => {
    const jobs = plainConfig.scrape_configs as Obj[];
    expect(jobs).toHaveLength(endpoints.length);
    endpoints.forEach((e, i) => {
      const job = jobs[i]!;
      expect(job.metrics_path).toBe(e.path);
      expect(job.params).toEqual(e.params);
      expect(job.scrape_interval).toBe(e.interval);
      expect(job.scrape_timeout).toBe(e.scrapeTimeout);
      expect(job.relabel_configs).toEqual(e.relabelings.map(relabelConfig));
      expect(job.metric_relabel_configs ?? []).toEqual(
        (e.metricRelabelings ?? []).map(relabelConfig),
      );
      expect(Object.keys(job).sort(byText)).toEqual(
        [
          'job_name',
          'metrics_path',
          'params',
          'relabel_configs',
          'scrape_interval',
          'scrape_timeout',
          'static_configs',
          ...(e.metricRelabelings ? ['metric_relabel_configs'] : []),
        ].sort(byText),
      );
    });
    expect(plainConfig.rule_files).toEqual(['rules.yml']);
  });

  it('ServiceMonitor selects only its own install (instance-scoped)', () => {
    const sel = serviceMonitor.spec.selector as Obj;
    for (const key of IDENTITY)
      expect(sel.matchLabels?.[key], key).toBeTruthy();
    const second = one(
      render(secondInstall('single')),
      'Service',
      'second-motor-coordinator-obs',
    );
    expect(selectorMatches(sel, second.metadata.labels)).toBe(false);
    const mgmt = one(
      render(join(K8S, 'overlays', 'single')),
      'Service',
      'motor-coordinator-mgmt',
    );
    expect(selectorMatches(sel, mgmt.metadata.labels)).toBe(false);
  });

  it('kubectl apply -k deploy/prometheus installs the ServiceMonitor and the PrometheusRule, schema-valid', () => {
    const out = render(join(WORK, 'deploy', 'prometheus'));
    // kubectl orders by kind; the set is what matters.
    expect(out).toHaveLength(2);
    expect(out).toEqual(
      expect.arrayContaining([serviceMonitor, prometheusRule]),
    );
    for (const r of out) {
      expect(() => validateObject(r), r.kind).not.toThrow();
    }
  });

  it('overlays/prometheus-auth sends the generated bearer token on every endpoint', () => {
    const out = render(join(K8S, 'overlays', 'prometheus-auth'));
    for (const r of out) {
      expect(() => validateObject(r), r.kind).not.toThrow();
    }
    const monitor = one(out, 'ServiceMonitor');
    const install = render(join(K8S, 'overlays', 'single'));
    const container = one(install, 'Deployment').spec.template.spec
      .containers[0] as Obj;
    const ref = (container.env as Obj[]).find(
      (e) => e.name === 'COORDINATOR_METRICS_BEARER_TOKEN',
    )!.valueFrom.secretKeyRef as Obj;
    const monitorEndpoints = monitor.spec.endpoints as Obj[];
    expect(monitorEndpoints).toHaveLength(endpoints.length);
    monitorEndpoints.forEach((e, i) => {
      expect(e.authorization, `endpoint ${i}`).toEqual({
        type: 'Bearer',
        credentials: { name: ref.name, key: ref.key },
      });
      // Otherwise unchanged.
      const { authorization: _, ...rest } = e;
      expect(rest).toEqual(endpoints[i]);
    });
    expect(one(out, 'PrometheusRule')).toEqual(prometheusRule);
  });

  it('rules.yml holds exactly the PrometheusRule groups', () => {
    const plain = yamlDocs(join(PROM, 'rules.yml'))[0]!;
    expect(plain).toEqual({ groups: prometheusRule.spec.groups });
  });

  it('promtool accepts the rule groups extracted from the PrometheusRule and the config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'motor-rules-'));
    try {
      const file = join(dir, 'rules.yml');
      writeFileSync(
        file,
        YAML.stringify({ groups: prometheusRule.spec.groups }),
      );
      const rules = await run(PROMTOOL_BIN, ['check', 'rules', file]);
      expect(rules.stdout).toMatch(/SUCCESS: \d+ rules found/);
      const config = await run(PROMTOOL_BIN, [
        'check',
        'config',
        join(PROM, 'prometheus.yml'),
      ]);
      expect(config.stdout).toContain('is valid prometheus config file syntax');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('promtool unit tests of the alerts pass (each alert fires, and stays quiet when healthy)', async () => {
    const result = await run(PROMTOOL_BIN, [
      'test',
      'rules',
      join(PROM, 'tests', 'rules.test.yml'),
    ]);
    expect(result.stdout).toContain('SUCCESS');
    const tests = yamlDocs(join(PROM, 'tests', 'rules.test.yml'))[0]!;
    const tested = new Set(
      (tests.tests as Obj[]).flatMap((t) =>
        (t.alert_rule_test as Obj[])
          .filter((a) => a.exp_alerts.length > 0)
          .map((a) => a.alertname),
      ),
    );
    const alerts = (prometheusRule.spec.groups as Obj[]).flatMap(
      (g) => g.rules as Obj[],
    );
    for (const a of alerts)
      expect(tested.has(a.alert), `a firing test for ${a.alert}`).toBe(true);
  });

  it('alerts cover down, no master, unscraped endpoints, TTFT, TPOT and KV cache, each documented', () => {
    const alerts = (prometheusRule.spec.groups as Obj[]).flatMap(
      (g) => g.rules as Obj[],
    );
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining([
        'MotorCoordinatorDown',
        'MotorCoordinatorNoMaster',
        'MotorCoordinatorEndpointsNotScraped',
        'MotorTTFTHigh',
        'MotorTPOTHigh',
        'MotorKVCacheNearlyFull',
      ]),
    );
    for (const a of alerts) {
      expect(a.for, a.alert).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning']).toContain(a.labels.severity);
      expect(a.annotations.summary, a.alert).toBeTruthy();
      expect(a.annotations.description, a.alert).toBeTruthy();
    }
  });

  it('every rule and dashboard query selects a view, never a job', () => {
    const alerts = (prometheusRule.spec.groups as Obj[]).flatMap(
      (g) => g.rules as Obj[],
    );
    const queries = [
      ...alerts.map((a) => ({
        title: a.alert as string,
        expr: a.expr as string,
      })),
      ...panelTargets(dashboard.panels as Obj[]),
    ];
    expect(queries.length).toBeGreaterThan(20);
    for (const q of queries) {
      const selectors = vectorSelectors(q.expr);
      expect(selectors.length, q.title).toBeGreaterThan(0);
      for (const s of selectors) {
        expect(s.matchers, `${q.title}: ${s.name}`).toMatch(
          /(^|,)\s*view\s*=~?\s*"/,
        );
        expect(s.matchers, `${q.title}: ${s.name}`).not.toMatch(
          /(^|,)\s*job\s*[=!]/,
        );
      }
    }
  });
});

describe('alert runbooks', () => {
  it('the README has a runbook section for every alert', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const a of alerts) {
      expect(readme, a.alert as string).toMatch(
        new RegExp(`^#### \`${a.alert as string}\`$`, 'm'),
      );
    }
  });
});
