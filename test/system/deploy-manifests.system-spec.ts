import { execFile } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { VIEW_TYPES } from '../../src/aggregate/cycle.types.js';
import {
  DEFAULT_MGMT_PORT,
  DEFAULT_OBS_PORT,
  ENV_OVERRIDES,
} from '../../src/config/config.defaults.js';
import { loadConfig } from '../../src/config/load-config.js';
import { MANAGEMENT_ROUTES } from '../../src/management/index.controller.js';
import { PROMTOOL_BIN, vectorSelectors } from '../support/prometheus-server.js';

/**
 * The deployment assets checked against the application itself, without a
 * cluster: the kustomize overlays are rendered here (a small subset of
 * kustomize: resources, configMapGenerator, replicas, strategic-merge patches
 * of maps; any other kustomization field fails the test rather than being
 * ignored), the probes, ports and env against the app's own constants, the
 * ConfigMap through the real loadConfig, the Prometheus assets with promtool.
 */

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const DEPLOY = join(ROOT, 'deploy');

type Obj = Record<string, any>;
const byText = (a: unknown, b: unknown): number =>
  String(a).localeCompare(String(b));

// --- kustomize, the subset these overlays use --------------------------------

const KUSTOMIZATION_FIELDS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'configMapGenerator',
  'replicas',
  'patches',
]);

function yamlDocs(path: string): Obj[] {
  return YAML.parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`${path}: ${d.errors[0]}`);
      return d.toJS() as Obj | null;
    })
    .filter((d): d is Obj => d !== null);
}

function strategicMerge(target: Obj, patch: Obj): void {
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) throw new Error(`unsupported directive ${key}`);
    const current = target[key];
    if (Array.isArray(value) && Array.isArray(current)) {
      const byName = value.every((v) => v && typeof v === 'object' && v.name);
      if (!byName) {
        target[key] = value;
        continue;
      }
      for (const item of value as Obj[]) {
        const existing = (current as Obj[]).find((c) => c.name === item.name);
        if (existing) strategicMerge(existing, item);
        else current.push(item);
      }
    } else if (
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      current &&
      typeof current === 'object'
    ) {
      strategicMerge(current as Obj, value as Obj);
    } else {
      target[key] = value;
    }
  }
}

function kustomize(dir: string): Obj[] {
  const k = yamlDocs(join(dir, 'kustomization.yaml'))[0]!;
  for (const field of Object.keys(k)) {
    if (!KUSTOMIZATION_FIELDS.has(field)) {
      throw new Error(`${dir}: kustomization field ${field} not rendered here`);
    }
  }
  const out: Obj[] = [];
  for (const r of (k.resources ?? []) as string[]) {
    const path = join(dir, r);
    out.push(
      ...(statSync(path).isDirectory() ? kustomize(path) : yamlDocs(path)),
    );
  }
  for (const g of (k.configMapGenerator ?? []) as Obj[]) {
    expect(Object.keys(g).sort(byText)).toEqual(['files', 'name']);
    const data: Record<string, string> = {};
    for (const f of g.files as string[]) {
      const [key, path] = f.includes('=') ? f.split('=', 2) : [basename(f), f];
      data[key!] = readFileSync(join(dir, path!), 'utf8');
    }
    out.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: g.name },
      data,
    });
  }
  for (const p of (k.patches ?? []) as Obj[]) {
    expect(Object.keys(p)).toEqual(['path']);
    for (const patch of yamlDocs(join(dir, p.path as string))) {
      const target = out.find(
        (r) => r.kind === patch.kind && r.metadata.name === patch.metadata.name,
      );
      if (!target) throw new Error(`${p.path}: no ${patch.kind} to patch`);
      strategicMerge(target, patch);
    }
  }
  for (const r of (k.replicas ?? []) as Obj[]) {
    const target = out.find(
      (d) => d.kind === 'Deployment' && d.metadata.name === r.name,
    );
    if (!target) throw new Error(`replicas: no Deployment ${r.name}`);
    target.spec.replicas = r.count;
  }
  return out;
}

function one(resources: Obj[], kind: string, name?: string): Obj {
  const found = resources.filter(
    (r) => r.kind === kind && (name === undefined || r.metadata.name === name),
  );
  expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0]!;
}

function matches(selector: Record<string, string>, labels: Obj): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Kubernetes quantity → number (cores or bytes). */
function quantity(q: string | number): number {
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G)?$/.exec(String(q));
  if (!m) throw new Error(`bad quantity ${q}`);
  const unit: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
  };
  return Number(m[1]) * (m[2] ? unit[m[2]]! : 1);
}

/** Dockerfile instructions (comments and continuations handled). */
function dockerfile(): { op: string; args: string }[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

// --- the overlays ------------------------------------------------------------

const OVERLAYS = {
  single: { replicas: 1, masterStandby: false },
  'master-standby': { replicas: 2, masterStandby: true },
} as const;

const ALLOWED_ENV = new Set([
  'POD_IP',
  'MOTOR_COORDINATOR_CONFIG',
  'NODE_OPTIONS',
  ...ENV_OVERRIDES.map((o) => o.env),
]);

describe.each(Object.entries(OVERLAYS))('k8s overlay %s', (overlay, want) => {
  const resources = kustomize(join(DEPLOY, 'k8s', 'overlays', overlay));
  const deployment = one(resources, 'Deployment');
  const pod = deployment.spec.template.spec as Obj;
  const container = (pod.containers as Obj[]).find(
    (c) => c.name === 'coordinator',
  )!;
  const namedPort = (name: string): number =>
    (container.ports as Obj[]).find((p) => p.name === name)?.containerPort;

  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'motor-deploy-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** The container's own command line, with the mounted ConfigMap files written to a temp dir. */
  function loadContainerConfig(podIp: string) {
    const args = container.args as string[];
    const i = args.indexOf('--config');
    expect(i, '--config in args').toBeGreaterThanOrEqual(0);
    const configPath = args[i + 1]!;
    const mount = (container.volumeMounts as Obj[]).find((m) =>
      configPath.startsWith(`${m.mountPath as string}/`),
    );
    expect(mount, `a volume mounted over ${configPath}`).toBeDefined();
    const volume = (pod.volumes as Obj[]).find((v) => v.name === mount!.name)!;
    const configMap = one(resources, 'ConfigMap', volume.configMap?.name);
    const key = posix.relative(mount!.mountPath, configPath);
    const text = configMap.data[key] as string;
    expect(text, `ConfigMap key ${key}`).toBeDefined();
    const local = join(tmp, overlay, key);
    rmSync(dirname(local), { recursive: true, force: true });
    mkdirSync(dirname(local), { recursive: true });
    writeFileSync(local, text);
    const env: Record<string, string> = { POD_IP: podIp };
    for (const e of (container.env ?? []) as Obj[]) {
      if (typeof e.value === 'string') env[e.name] = e.value;
    }
    return {
      raw: JSON.parse(text) as Obj,
      loaded: loadConfig({
        argv: args.map((a) => (a === configPath ? local : a)),
        env,
      }),
    };
  }

  it('renders the expected resources', () => {
    const kinds = resources.map((r) => r.kind).sort(byText);
    expect(kinds).toEqual(
      [
        'ConfigMap',
        'Deployment',
        'Service',
        'Service',
        'ServiceAccount',
        ...(want.masterStandby ? ['PodDisruptionBudget'] : []),
      ].sort(byText),
    );
    expect(deployment.spec.replicas).toBe(want.replicas);
  });

  it('loads its user_config.json through the real loadConfig without warnings', () => {
    const { raw, loaded } = loadContainerConfig('127.0.0.9');
    expect(Object.keys(raw)).toEqual(['motor_coordinator_config']);
    expect(loaded.warnings).toEqual([]);
    const c = loaded.config;
    // Bound to the pod IP from the downward API (the file leaves the host unset).
    expect(c.api_config.coordinator_api_host).toBe('127.0.0.9');
    expect(c.api_config.coordinator_api_mgmt_port).toBe(DEFAULT_MGMT_PORT);
    expect(c.api_config.coordinator_obs_port).toBe(DEFAULT_OBS_PORT);
    expect(c.standby_config.enable_master_standby).toBe(want.masterStandby);
    if (want.masterStandby) {
      // etcd reached through a Service name, not an address.
      expect(c.etcd_config.etcd_host).toMatch(
        /^[a-z]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9-]+)*$/,
      );
      expect(c.etcd_config.etcd_host).not.toBe('127.0.0.1');
    }
  });

  it('runs the image command with --config and the pod IP from the downward API', () => {
    const cmd = dockerfile()
      .filter((i) => i.op === 'CMD')
      .at(-1)!;
    expect(container.command).toEqual(JSON.parse(cmd.args));
    const podIp = (container.env as Obj[]).find((e) => e.name === 'POD_IP');
    expect(podIp?.valueFrom?.fieldRef?.fieldPath).toBe('status.podIP');
    for (const e of container.env as Obj[]) {
      expect(ALLOWED_ENV.has(e.name), `env ${e.name} is read by the app`).toBe(
        true,
      );
    }
  });

  it('exposes named ports that are the application defaults', () => {
    const { loaded } = loadContainerConfig('127.0.0.9');
    expect(namedPort('mgmt')).toBe(DEFAULT_MGMT_PORT);
    expect(namedPort('obs')).toBe(DEFAULT_OBS_PORT);
    expect(namedPort('mgmt')).toBe(
      loaded.config.api_config.coordinator_api_mgmt_port,
    );
    expect(namedPort('obs')).toBe(
      loaded.config.api_config.coordinator_obs_port,
    );
  });

  it('probes /startup, /liveness and /readiness on the named management port', () => {
    const probes = {
      startupProbe: '/startup',
      livenessProbe: '/liveness',
      readinessProbe: '/readiness',
    } as const;
    for (const [probe, path] of Object.entries(probes)) {
      const p = container[probe] as Obj;
      expect(p.httpGet, probe).toEqual({ path, port: 'mgmt' });
      expect(Object.keys(MANAGEMENT_ROUTES)).toContain(`GET ${path}`);
    }
    const { startupProbe: s, livenessProbe: l, readinessProbe: r } = container;
    // A slow start (etcd, a busy node) gets a minute before the pod is killed.
    expect(s.failureThreshold * s.periodSeconds).toBeGreaterThanOrEqual(60);
    // Liveness: several slow answers in a row, not one, restart the process.
    expect(l.periodSeconds).toBeGreaterThanOrEqual(10);
    expect(l.timeoutSeconds).toBeGreaterThanOrEqual(3);
    expect(l.failureThreshold).toBeGreaterThanOrEqual(3);
    expect(r.periodSeconds).toBeLessThanOrEqual(5);
    expect(r.timeoutSeconds).toBeGreaterThanOrEqual(3);
  });

  it('gives SIGTERM more time than drain delay + 5 s', () => {
    const { loaded } = loadContainerConfig('127.0.0.9');
    const drain = loaded.config.api_config.drain_delay_seconds;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(drain + 5);
  });

  it('runs non-root, read-only, without capabilities, with requests and limits', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(pod.automountServiceAccountToken).toBe(false);
    const sc = container.securityContext as Obj;
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(sc.runAsNonRoot).toBe(true);
    expect(sc.capabilities.drop).toContain('ALL');
    expect(sc.capabilities.add).toBeUndefined();
    for (const r of ['cpu', 'memory']) {
      const req = quantity(container.resources.requests[r]);
      const lim = quantity(container.resources.limits[r]);
      expect(req).toBeGreaterThan(0);
      expect(lim).toBeGreaterThanOrEqual(req);
    }
  });

  it('routes the management (ClusterIP) and observability (NodePort 31017) Services to the pods', () => {
    const labels = deployment.spec.template.metadata.labels as Obj;
    expect(matches(deployment.spec.selector.matchLabels, labels)).toBe(true);
    const services = resources.filter((r) => r.kind === 'Service');
    const byPort = (name: string) =>
      services.find((s) =>
        s.spec.ports.some((p: Obj) => p.targetPort === name),
      )!;
    const mgmt = byPort('mgmt');
    const obs = byPort('obs');
    expect(mgmt.spec.type).toBe('ClusterIP');
    expect(mgmt.spec.ports[0].port).toBe(DEFAULT_MGMT_PORT);
    expect(obs.spec.type).toBe('NodePort');
    expect(obs.spec.ports[0].port).toBe(DEFAULT_OBS_PORT);
    expect(obs.spec.ports[0].nodePort).toBe(31017);
    for (const s of [mgmt, obs]) {
      expect(matches(s.spec.selector, labels), s.metadata.name).toBe(true);
    }
  });

  if (want.masterStandby) {
    it('can roll out although the standby never turns ready, and budgets disruptions', () => {
      // Old pods must be replaceable while every new pod is still a (503) standby:
      // that needs maxUnavailable >= replicas (see rollout-strategy.yaml).
      const ru = deployment.spec.strategy.rollingUpdate as Obj;
      const abs = (v: string | number) =>
        typeof v === 'string' && v.endsWith('%')
          ? Math.floor((want.replicas * Number(v.slice(0, -1))) / 100)
          : Number(v);
      expect(abs(ru.maxUnavailable)).toBeGreaterThanOrEqual(want.replicas);
      const pdb = one(resources, 'PodDisruptionBudget');
      expect(
        matches(
          pdb.spec.selector.matchLabels,
          deployment.spec.template.metadata.labels,
        ),
      ).toBe(true);
      expect(pdb.spec.maxUnavailable).toBe(1);
      // The standby is never Ready: without this it could never be evicted.
      expect(pdb.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
    });
  } else {
    it('keeps the old pod until the new one is ready', () => {
      expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    });
  }
});

// --- Prometheus ----------------------------------------------------------------

const PROM = join(DEPLOY, 'prometheus');
const serviceMonitor = yamlDocs(join(PROM, 'servicemonitor.yaml'))[0]!;
const prometheusRule = yamlDocs(join(PROM, 'prometheusrule.yaml'))[0]!;
const plainConfig = yamlDocs(join(PROM, 'prometheus.yml'))[0]!;
const dashboard = JSON.parse(
  readFileSync(join(DEPLOY, 'grafana', 'motor-coordinator.json'), 'utf8'),
) as Obj;

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** Operator relabeling (camelCase) → prometheus.yml relabel config (snake_case). */
function relabelConfig(r: Obj): Obj {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [snake(k), v]));
}

function panelTargets(panels: Obj[]): { title: string; expr: string }[] {
  return panels.flatMap((p) => [
    ...((p.targets ?? []) as Obj[]).map((t) => ({
      title: p.title as string,
      expr: t.expr as string,
    })),
    ...panelTargets((p.panels ?? []) as Obj[]),
  ]);
}

describe('Prometheus assets', () => {
  const endpoints = serviceMonitor.spec.endpoints as Obj[];

  it('ServiceMonitor scrapes /metrics once per view, with params and a view label', () => {
    expect(endpoints.map((e) => e.params.type)).toEqual(
      VIEW_TYPES.map((v) => [v]),
    );
    const obsService = one(
      kustomize(join(DEPLOY, 'k8s', 'base')),
      'Service',
      'motor-coordinator-obs',
    );
    expect(
      matches(
        serviceMonitor.spec.selector.matchLabels,
        obsService.metadata.labels,
      ),
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

  it('kubectl apply -k deploy/prometheus installs the ServiceMonitor and the PrometheusRule', () => {
    const rendered = kustomize(PROM);
    expect(rendered).toEqual([serviceMonitor, prometheusRule]);
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

// --- Grafana --------------------------------------------------------------------

describe('Grafana dashboard', () => {
  const all = (panels: Obj[]): Obj[] =>
    panels.flatMap((p) => [p, ...all((p.panels ?? []) as Obj[])]);

  it('has a Prometheus data source variable used by every query', () => {
    const vars = dashboard.templating.list as Obj[];
    expect(vars).toContainEqual(
      expect.objectContaining({
        name: 'datasource',
        type: 'datasource',
        query: 'prometheus',
      }),
    );
    for (const p of all(dashboard.panels as Obj[]).filter(
      (p) => p.type !== 'row',
    )) {
      expect(p.datasource, p.title).toEqual({
        type: 'prometheus',
        uid: '${datasource}',
      });
      expect(p.targets.length, p.title).toBeGreaterThan(0);
    }
    const ids = all(dashboard.panels as Obj[]).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('shows latency quantiles, throughput, requests, KV cache by role, instances and scrape health', () => {
    const exprs = panelTargets(dashboard.panels as Obj[])
      .map((t) => t.expr)
      .join('\n');
    for (const needle of [
      'vllm:time_to_first_token_seconds_p50{view="full"}',
      'vllm:time_to_first_token_seconds_p95{view="full"}',
      'vllm:time_to_first_token_seconds_p99{view="full"}',
      'vllm:inter_token_latency_seconds_p95{view="full"}',
      'vllm:e2e_request_latency_seconds_p99{view="full"}',
      'motor:generation_tokens_per_second{view="full"}',
      'vllm:num_requests_running{view="full"}',
      'vllm:num_requests_waiting{view="full"}',
      'vllm:kv_cache_usage_perc{view="role"}',
      '{view="instance"}',
      'motor:endpoints_scraped{view="full"}',
      'motor:endpoints_configured{view="full"}',
      'up{view=~"full|instance|role|dp|node"}',
    ]) {
      expect(exprs).toContain(needle);
    }
    const tables = all(dashboard.panels as Obj[]).filter(
      (p) => p.type === 'table',
    );
    expect(
      tables.some((t) =>
        t.targets.every((x: Obj) => x.expr.includes('view="instance"')),
      ),
    ).toBe(true);
  });
});

// --- Docker ---------------------------------------------------------------------

describe('Dockerfile', () => {
  const steps = dockerfile();
  const stages: { op: string; args: string }[][] = [];
  for (const s of steps) {
    if (s.op === 'FROM') stages.push([]);
    stages.at(-1)?.push(s);
  }
  const build = stages[0]!;
  const runtime = stages.at(-1)!;

  it('builds with npm ci + npm run build and ships production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(
      build.some(
        (s) =>
          s.op === 'RUN' &&
          /\bnpm ci\b/.test(s.args) &&
          !s.args.includes('--omit=dev'),
      ),
    ).toBe(true);
    expect(
      build.some((s) => s.op === 'RUN' && s.args.includes('npm run build')),
    ).toBe(true);
    expect(
      runtime.some((s) => s.op === 'RUN' && /npm ci .*--omit=dev/.test(s.args)),
    ).toBe(true);
    expect(
      runtime.some(
        (s) =>
          s.op === 'COPY' &&
          s.args.includes('--from=build') &&
          s.args.includes('dist'),
      ),
    ).toBe(true);
    expect(
      runtime.some((s) => s.op === 'RUN' && s.args.includes('npm run build')),
    ).toBe(false);
  });

  it('runs node dist/main.js as a non-root user, exposes both ports, declares no HEALTHCHECK', () => {
    const user = runtime.filter((s) => s.op === 'USER').at(-1)?.args ?? 'root';
    expect(user.split(':')[0]).not.toMatch(/^(root|0)$/);
    expect(steps.some((s) => s.op === 'HEALTHCHECK')).toBe(false);
    const exposed = runtime
      .filter((s) => s.op === 'EXPOSE')
      .flatMap((s) => s.args.split(/\s+/))
      .map(Number);
    expect(exposed).toEqual(
      expect.arrayContaining([DEFAULT_MGMT_PORT, DEFAULT_OBS_PORT]),
    );
    const cmd = JSON.parse(
      runtime.filter((s) => s.op === 'CMD').at(-1)!.args,
    ) as string[];
    expect(cmd).toEqual(['node', 'dist/main.js']);
    // The same entry point as the package's production start script, built from src/main.ts.
    const pkg = JSON.parse(
      readFileSync(join(ROOT, 'package.json'), 'utf8'),
    ) as Obj;
    expect(pkg.scripts['start:prod']).toBe(cmd.join(' '));
    const buildConfig = JSON.parse(
      readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8'),
    ) as Obj;
    expect(buildConfig.compilerOptions.rootDir).toBe('./src');
    expect(statSync(join(ROOT, 'src', 'main.ts')).isFile()).toBe(true);
  });

  it('sets the memory settings the benchmarks run the coordinator with', () => {
    const env = runtime
      .filter((s) => s.op === 'ENV')
      .flatMap((s) => s.args.split(/\s+/));
    expect(env).toContain('MALLOC_ARENA_MAX=2');
    expect(env).toContain('NODE_OPTIONS=--max-semi-space-size=8');
    const bench = readFileSync(join(ROOT, 'bench', 'run.ts'), 'utf8');
    expect(bench).toContain("MALLOC_ARENA_MAX: '2'");
    expect(bench).toContain("NODE_OPTIONS: '--max-semi-space-size=8'");
  });

  it('copies only what the build needs, none of it excluded by .dockerignore', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const must of ['node_modules', 'dist', '.git', 'test'])
      expect(ignored).toContain(must);
    const sources = steps
      .filter((s) => s.op === 'COPY' && !s.args.includes('--from='))
      .flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    expect(sources).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'src']),
    );
    const glob = (pattern: string) =>
      new RegExp(
        `^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`,
      );
    for (const src of sources) {
      expect(statSync(join(ROOT, src)), src).toBeTruthy();
      for (const pattern of ignored)
        expect(glob(pattern).test(src), `${src} vs ${pattern}`).toBe(false);
    }
  });
});
