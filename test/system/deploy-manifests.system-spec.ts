import semver from 'semver';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import {
  DEFAULT_MGMT_PORT,
  DEFAULT_OBS_PORT,
} from '../../src/config/config.defaults.js';
import { ENV_OVERRIDES } from '../../src/config/env-overrides.js';
import { loadConfig } from '../../src/config/load-config.js';
import { MANAGEMENT_ROUTES } from '../../src/management/index.controller.js';
import {
  evictionAllowed,
  KUBECTL_BIN,
  kubectlKustomize,
  mapSelects,
  networkPolicyAdmits,
  type Obj,
  parseYamlDocs,
  selectorMatches,
  validateObject,
} from '../support/k8s-manifests.js';
import { PROMTOOL_BIN, vectorSelectors } from '../support/prometheus-server.js';
import { VIEW_TYPES } from '../../src/aggregate/views.js';

/**
 * The deployment assets checked against the application itself, without a
 * cluster: every kustomize overlay is rendered by the real `kubectl
 * kustomize` (from a copy of deploy/ with the Secret's auth.env filled in, as
 * the README tells an operator to), every object is validated against the
 * Kubernetes and Prometheus Operator schemas (kubernetes-models), and the
 * result is checked against the app's own constants (ports, probe paths, env
 * names, the ConfigMap and Secret through the real loadConfig), the image
 * (Dockerfile ENV vs. the pod's effective env, Node's own heap limit), the
 * API server's selector, NetworkPolicy and eviction semantics, and the
 * Prometheus assets with promtool.
 */

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const DEPLOY = join(ROOT, 'deploy');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Obj;

const byText = (a: unknown, b: unknown): number =>
  String(a).localeCompare(String(b));

function yamlDocs(path: string): Obj[] {
  return parseYamlDocs(readFileSync(path, 'utf8'), path);
}

function one(resources: Obj[], kind: string, name?: string): Obj {
  const found = resources.filter(
    (r) => r.kind === kind && (name === undefined || r.metadata.name === name),
  );
  expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0]!;
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

/** The runtime stage's ENV (KEY=value pairs, no spaces inside values). */
function imageEnv(): Record<string, string> {
  const steps = dockerfile();
  const lastFrom = steps.map((s) => s.op).lastIndexOf('FROM');
  const env: Record<string, string> = {};
  for (const s of steps.slice(lastFrom).filter((s) => s.op === 'ENV')) {
    for (const pair of s.args.split(/\s+/)) {
      const i = pair.indexOf('=');
      env[pair.slice(0, i)] = pair.slice(i + 1);
    }
  }
  return env;
}

/** Base image references of every stage, ARG defaults substituted. */
function baseImages(): string[] {
  const steps = dockerfile();
  const args: Record<string, string> = {};
  for (const s of steps.filter((s) => s.op === 'ARG')) {
    const [k, v] = s.args.split('=', 2);
    if (v !== undefined) args[k!] = v;
  }
  return steps
    .filter((s) => s.op === 'FROM')
    .map((s) =>
      s.args
        .split(/\s+/)[0]!
        .replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args[a ?? b] ?? ''),
    );
}

// --- rendering: a copy of deploy/ with the Secret's values filled in -------

const WORK = mkdtempSync(join(tmpdir(), 'motor-deploy-'));
afterAll(() => rmSync(WORK, { recursive: true, force: true }));
const K8S = join(WORK, 'deploy', 'k8s');
cpSync(DEPLOY, join(WORK, 'deploy'), { recursive: true });

/** The overlays that install a coordinator, and what each must render. */
const OVERLAYS = {
  single: { replicas: 1, masterStandby: false, nodePort: undefined },
  'master-standby': { replicas: 2, masterStandby: true, nodePort: undefined },
  'nodeport-31017': { replicas: 1, masterStandby: false, nodePort: 31017 },
} as const;
type OverlayName = keyof typeof OVERLAYS;
/** Overlays of other objects (checked in the Prometheus section). */
const OTHER_OVERLAYS = ['prometheus-auth'];

const AUTH_KEYS = [
  'COORDINATOR_MGMT_API_KEY',
  'COORDINATOR_METRICS_BEARER_TOKEN',
] as const;
/** auth.env per overlay directory that generates the Secret. */
const AUTH: Record<string, Record<string, string>> = {};
for (const dir of readdirSync(join(K8S, 'overlays'))) {
  const k = yamlDocs(join(K8S, 'overlays', dir, 'kustomization.yaml'))[0]!;
  const envs = ((k.secretGenerator ?? []) as Obj[]).flatMap(
    (g) => (g.envs ?? []) as string[],
  );
  for (const file of envs) {
    const values = Object.fromEntries(
      AUTH_KEYS.map((key) => [key, randomBytes(24).toString('hex')]),
    );
    AUTH[dir] = values;
    writeFileSync(
      join(K8S, 'overlays', dir, file),
      Object.entries(values)
        .map(([key, v]) => `${key}=${v}\n`)
        .join(''),
    );
  }
}

/**
 * A second install in the same namespace, as the README describes it: an
 * overlay over `base` with its own namePrefix and instance label.
 */
function secondInstall(of: OverlayName): string {
  const dir = join(K8S, 'overlays', `second-${of}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    YAML.stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: [`../${of}`],
      namePrefix: 'second-',
      labels: [
        {
          pairs: { 'app.kubernetes.io/instance': 'second' },
          includeSelectors: true,
        },
      ],
    }),
  );
  return dir;
}

const rendered = new Map<string, Obj[]>();
function render(dir: string): Obj[] {
  let out = rendered.get(dir);
  if (!out) {
    out = kubectlKustomize(dir);
    rendered.set(dir, out);
  }
  return out;
}

const LABEL_KEYS = [
  'name',
  'instance',
  'component',
  'version',
  'part-of',
  'managed-by',
].map((k) => `app.kubernetes.io/${k}`);
const IDENTITY = ['app.kubernetes.io/name', 'app.kubernetes.io/instance'];

/** Every label selector in a rendered install, with where it sits. */
function selectorsOf(resources: Obj[]): { where: string; sel: Obj }[] {
  const out: { where: string; sel: Obj }[] = [];
  for (const r of resources) {
    const where = `${r.kind} ${r.metadata.name}`;
    if (r.kind === 'Service') {
      out.push({ where, sel: { matchLabels: r.spec.selector } });
    } else if (r.kind === 'Deployment') {
      out.push({ where, sel: r.spec.selector });
      const terms = (r.spec.template.spec.affinity?.podAntiAffinity
        ?.preferredDuringSchedulingIgnoredDuringExecution ?? []) as Obj[];
      for (const t of terms) {
        out.push({
          where: `${where} anti-affinity`,
          sel: t.podAffinityTerm.labelSelector,
        });
      }
    } else if (r.kind === 'PodDisruptionBudget') {
      out.push({ where, sel: r.spec.selector });
    } else if (r.kind === 'NetworkPolicy') {
      out.push({ where, sel: r.spec.podSelector });
    }
  }
  return out;
}

const ALLOWED_ENV = new Set([
  'POD_IP',
  'MOTOR_COORDINATOR_CONFIG',
  'NODE_OPTIONS',
  ...ENV_OVERRIDES.map((o) => o.env),
]);

/** V8 flag values in a NODE_OPTIONS string (`--flag=value` → value). */
function nodeFlags(options: string): Map<string, string> {
  return new Map(
    options
      .split(/\s+/)
      .filter((t) => t !== '')
      .map((t) => {
        const i = t.indexOf('=');
        return i < 0 ? [t, ''] : [t.slice(0, i), t.slice(i + 1)];
      }),
  );
}

describe('k8s overlays', () => {
  it('every overlay directory is rendered and checked here', () => {
    expect(readdirSync(join(DEPLOY, 'k8s', 'overlays')).sort(byText)).toEqual(
      [...Object.keys(OVERLAYS), ...OTHER_OVERLAYS].sort(byText),
    );
  });

  it('refuses to render without the Secret values (never an install without auth)', () => {
    const bare = mkdtempSync(join(tmpdir(), 'motor-deploy-bare-'));
    try {
      cpSync(DEPLOY, join(bare, 'deploy'), { recursive: true });
      for (const overlay of Object.keys(OVERLAYS)) {
        rmSync(join(bare, 'deploy', 'k8s', 'overlays', overlay, 'auth.env'), {
          force: true,
        });
      }
      for (const overlay of Object.keys(OVERLAYS)) {
        let error: unknown;
        try {
          execFileSync(
            KUBECTL_BIN,
            ['kustomize', join(bare, 'deploy', 'k8s', 'overlays', overlay)],
            { stdio: ['ignore', 'pipe', 'pipe'] },
          );
        } catch (e) {
          error = e;
        }
        expect(error, overlay).toBeDefined();
        expect(String((error as { stderr?: Buffer }).stderr)).toContain(
          'auth.env',
        );
      }
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it('.gitignore keeps every auth.env out of the repository', async () => {
    for (const overlay of Object.keys(AUTH)) {
      const path = `deploy/k8s/overlays/${overlay}/auth.env`;
      const { stdout } = await run('git', ['check-ignore', path], {
        cwd: ROOT,
      });
      expect(stdout.trim()).toBe(path);
    }
  });
});

describe.each(Object.entries(OVERLAYS))('k8s overlay %s', (overlay, want) => {
  const dir = join(K8S, 'overlays', overlay);
  const resources = render(dir);
  const deployment = one(resources, 'Deployment');
  const pod = deployment.spec.template.spec as Obj;
  const podLabels = deployment.spec.template.metadata.labels as Record<
    string,
    string
  >;
  const container = (pod.containers as Obj[]).find(
    (c) => c.name === 'coordinator',
  )!;
  const namedPort = (name: string): number =>
    (container.ports as Obj[]).find((p) => p.name === name)?.containerPort;
  const secretName = (envName: string): string | undefined =>
    (container.env as Obj[]).find((e) => e.name === envName)?.valueFrom
      ?.secretKeyRef?.name;
  // nodeport-31017 is overlays/single plus a component: single's auth.env.
  const auth = AUTH[overlay] ?? AUTH.single!;

  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'motor-deploy-config-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** The container's env as the kubelet resolves it (literal values, Secret keys, POD_IP). */
  function containerEnv(podIp: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const e of (container.env ?? []) as Obj[]) {
      if (typeof e.value === 'string') env[e.name] = e.value;
      else if (e.valueFrom?.fieldRef?.fieldPath === 'status.podIP') {
        env[e.name] = podIp;
      } else if (e.valueFrom?.secretKeyRef) {
        const ref = e.valueFrom.secretKeyRef as Obj;
        const secret = one(resources, 'Secret', ref.name);
        const b64 = secret.data?.[ref.key] as string | undefined;
        if (b64 === undefined) throw new Error(`Secret key ${ref.key}`);
        env[e.name] = Buffer.from(b64, 'base64').toString('utf8');
      } else throw new Error(`env ${e.name}: unresolved`);
    }
    return env;
  }

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
    return {
      raw: JSON.parse(text) as Obj,
      loaded: loadConfig({
        argv: args.map((a) => (a === configPath ? local : a)),
        env: containerEnv(podIp),
      }),
    };
  }

  it('renders the expected resources, each valid against its Kubernetes schema', () => {
    const kinds = resources.map((r) => r.kind).sort(byText);
    expect(kinds).toEqual(
      [
        'ConfigMap',
        'Deployment',
        'NetworkPolicy',
        'Secret',
        'Service',
        'Service',
        'ServiceAccount',
        ...(want.masterStandby ? ['PodDisruptionBudget'] : []),
      ].sort(byText),
    );
    expect(deployment.spec.replicas).toBe(want.replicas);
    for (const r of resources) {
      expect(
        () => validateObject(r),
        `${r.kind} ${r.metadata.name}`,
      ).not.toThrow();
    }
  });

  it('the schema validation is real: a broken object is refused', () => {
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'mgmt';
    expect(() => validateObject(broken)).toThrow(/containerPort/);
    const noSelector = structuredClone(deployment);
    delete noSelector.spec.selector;
    expect(() => validateObject(noSelector)).toThrow(/selector/);
    expect(() => validateObject({ ...deployment, kind: 'Pod' })).toThrow(
      /no schema model/,
    );
  });

  it('loads its user_config.json and Secret through the real loadConfig without warnings', () => {
    const { raw, loaded } = loadContainerConfig('127.0.0.9');
    expect(Object.keys(raw)).toEqual(['motor_coordinator_config']);
    expect(loaded.warnings).toEqual([]);
    const c = loaded.config;
    // Bound to the pod IP from the downward API (the file leaves the host unset).
    expect(c.api_config.coordinator_api_host).toBe('127.0.0.9');
    expect(c.api_config.coordinator_api_mgmt_port).toBe(DEFAULT_MGMT_PORT);
    expect(c.api_config.coordinator_obs_port).toBe(DEFAULT_OBS_PORT);
    expect(c.standby_config.enable_master_standby).toBe(want.masterStandby);
    // The Secret's values (auth.env) reach the config.
    expect(c.api_config.mgmt_api_key).toBe(auth.COORDINATOR_MGMT_API_KEY);
    expect(c.api_config.metrics_bearer_token).toBe(
      auth.COORDINATOR_METRICS_BEARER_TOKEN,
    );
    if (want.masterStandby) {
      // etcd reached through a Service name, not an address.
      expect(c.etcd_config.etcd_host).toMatch(
        /^[a-z]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9-]+)*$/,
      );
      expect(c.etcd_config.etcd_host).not.toBe('127.0.0.1');
    }
  });

  it('wires the generated Secret into the API key and metrics token env', () => {
    const secret = one(resources, 'Secret');
    expect(secret.type ?? 'Opaque').toBe('Opaque');
    expect(Object.keys(secret.data as Obj).sort(byText)).toEqual(
      [...AUTH_KEYS].sort(byText),
    );
    for (const key of AUTH_KEYS) {
      const e = (container.env as Obj[]).find((x) => x.name === key)!;
      expect(e.valueFrom.secretKeyRef, key).toEqual({
        name: secret.metadata.name,
        key,
      });
      // Not optional: without the Secret the pod does not start open.
      expect(e.valueFrom.secretKeyRef.optional).toBeUndefined();
    }
    // No hash suffix: the ServiceMonitor (overlays/prometheus-auth) names it.
    expect(secret.metadata.name).toBe('motor-coordinator-auth');
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

  it("keeps the image's memory flags in the pod's effective NODE_OPTIONS", async () => {
    const image = imageEnv();
    expect(image.NODE_OPTIONS).toBeTruthy();
    // The container's env replaces the image's variable of the same name.
    const effective = { ...image, ...containerEnv('127.0.0.9') };
    const imageFlags = nodeFlags(image.NODE_OPTIONS!);
    const podFlags = nodeFlags(effective.NODE_OPTIONS!);
    for (const [flag, value] of imageFlags) {
      expect(podFlags.get(flag), flag).toBe(value);
    }
    expect(effective.MALLOC_ARENA_MAX).toBe(image.MALLOC_ARENA_MAX);
    expect(effective.MALLOC_ARENA_MAX).toBe('2');
    // Node itself takes them: V8's heap limit is old space + 3 semi-spaces
    // (two semi-spaces and the new large-object space), so the semi-space
    // flag shows in it (16 MB semi-spaces would add 48 MB, not 24).
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        'process.stdout.write(String(require("v8").getHeapStatistics().heap_size_limit))',
      ],
      { env: { PATH: process.env.PATH, NODE_OPTIONS: effective.NODE_OPTIONS } },
    );
    const semi = Number(podFlags.get('--max-semi-space-size'));
    const old = Number(podFlags.get('--max-old-space-size'));
    expect(semi).toBe(8);
    expect(Number(stdout)).toBe((old + 3 * semi) * 1024 ** 2);
    // The whole heap fits in the memory limit with room for buffers, code
    // and the cycle worker.
    expect(Number(stdout)).toBeLessThan(
      0.8 * quantity(container.resources.limits.memory),
    );
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

  it('keeps the restricted securityContext, with requests and limits', () => {
    // Pod Security Standard "restricted": non-root, no privilege escalation,
    // all capabilities dropped, RuntimeDefault seccomp; plus read-only root.
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(pod.securityContext.seccompProfile).toEqual({
      type: 'RuntimeDefault',
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.hostNetwork ?? false).toBe(false);
    const sc = container.securityContext as Obj;
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(sc.runAsNonRoot).toBe(true);
    expect(sc.privileged ?? false).toBe(false);
    expect(sc.capabilities.drop).toContain('ALL');
    expect(sc.capabilities.add).toBeUndefined();
    const sa = one(resources, 'ServiceAccount');
    expect(pod.serviceAccountName).toBe(sa.metadata.name);
    expect(sa.automountServiceAccountToken).toBe(false);
    for (const r of ['cpu', 'memory']) {
      const req = quantity(container.resources.requests[r]);
      const lim = quantity(container.resources.limits[r]);
      expect(req).toBeGreaterThan(0);
      expect(lim).toBeGreaterThanOrEqual(req);
    }
  });

  it('labels every object and the pods app.kubernetes.io/*, image tag = version', () => {
    const version = PKG.version as string;
    for (const labels of [
      ...resources.map((r) => r.metadata.labels as Obj),
      podLabels,
    ]) {
      for (const key of LABEL_KEYS) expect(labels[key], key).toBeTruthy();
      expect(labels['app.kubernetes.io/name']).toBe('motor-coordinator');
      expect(labels['app.kubernetes.io/instance']).toBe('motor-coordinator');
      expect(labels['app.kubernetes.io/version']).toBe(version);
      expect(labels['app.kubernetes.io/managed-by']).toBe('kustomize');
    }
    expect(podLabels['app.kubernetes.io/component']).toBe('coordinator');
    expect(container.image).toBe(`motor-coordinator:${version}`);
    const k = yamlDocs(join(dir, 'kustomization.yaml'))[0]!;
    const images = (k.images ??
      yamlDocs(join(dir, '..', 'single', 'kustomization.yaml'))[0]!
        .images) as Obj[];
    expect(images).toContainEqual({
      name: 'motor-coordinator',
      newTag: version,
    });
  });

  it('scopes every selector to this install (name + instance) and each selects the pods', () => {
    const selectors = selectorsOf(resources);
    expect(selectors.length).toBeGreaterThanOrEqual(
      4 + (want.masterStandby ? 1 : 0),
    );
    for (const { where, sel } of selectors) {
      for (const key of IDENTITY) {
        expect(sel.matchLabels?.[key], `${where}: ${key}`).toBe(podLabels[key]);
      }
      expect(selectorMatches(sel, podLabels), where).toBe(true);
    }
  });

  it('selects disjoint pods from a second install in the same namespace', () => {
    const other = render(secondInstall(overlay as OverlayName));
    const otherDeployment = one(other, 'Deployment');
    const otherPod = otherDeployment.spec.template.metadata.labels as Record<
      string,
      string
    >;
    expect(otherPod['app.kubernetes.io/instance']).toBe('second');
    const names = new Set(resources.map((r) => `${r.kind}/${r.metadata.name}`));
    for (const r of other) {
      expect(names.has(`${r.kind}/${r.metadata.name}`), r.metadata.name).toBe(
        false,
      );
    }
    for (const { where, sel } of selectorsOf(resources)) {
      expect(selectorMatches(sel, otherPod), `first ${where}`).toBe(false);
    }
    for (const { where, sel } of selectorsOf(other)) {
      expect(selectorMatches(sel, otherPod), `second ${where}`).toBe(true);
      expect(selectorMatches(sel, podLabels), `second ${where}`).toBe(false);
    }
    // Each install reads its own Secret.
    const otherContainer = otherDeployment.spec.template.spec
      .containers[0] as Obj;
    const otherSecret = (otherContainer.env as Obj[]).find(
      (e) => e.name === 'COORDINATOR_MGMT_API_KEY',
    )!.valueFrom.secretKeyRef.name as string;
    expect(otherSecret).toBe(one(other, 'Secret').metadata.name);
    expect(otherSecret).not.toBe(secretName('COORDINATOR_MGMT_API_KEY'));
  });

  it(`routes the management (ClusterIP) and observability (NodePort${want.nodePort ? ` ${want.nodePort}` : ', port left to the cluster'}) Services to the pods`, () => {
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
    expect(obs.spec.ports[0].nodePort).toBe(want.nodePort);
    for (const s of [mgmt, obs]) {
      expect(mapSelects(s.spec.selector, podLabels), s.metadata.name).toBe(
        true,
      );
    }
  });

  it('admits management only from the controller and /metrics only from Prometheus', () => {
    const policy = one(resources, 'NetworkPolicy');
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(selectorMatches(policy.spec.podSelector, podLabels)).toBe(true);
    const ports = container.ports as Obj[];
    const ns = 'coordinators';
    const nsLabels = { 'kubernetes.io/metadata.name': ns };
    const controller = {
      labels: { app: 'controller', 'motor-coordinator.io/mgmt-client': 'true' },
      namespace: ns,
      namespaceLabels: nsLabels,
    };
    const prometheus = {
      labels: {
        'app.kubernetes.io/name': 'prometheus',
        prometheus: 'k8s',
      },
      namespace: 'monitoring',
      namespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' },
    };
    const strangers = [
      { labels: { app: 'other' }, namespace: ns, namespaceLabels: nsLabels },
      // The controller's label in another namespace, and Prometheus's
      // labels outside `monitoring`.
      {
        ...controller,
        namespace: 'elsewhere',
        namespaceLabels: { 'kubernetes.io/metadata.name': 'elsewhere' },
      },
      { ...prometheus, namespace: ns, namespaceLabels: nsLabels },
      // The coordinator's own labels grant nothing.
      { labels: podLabels, namespace: ns, namespaceLabels: nsLabels },
    ];
    const admits = (peer: (typeof strangers)[number], port: number) =>
      networkPolicyAdmits(policy, ns, peer, port, ports);
    expect(admits(controller, DEFAULT_MGMT_PORT)).toBe(true);
    expect(admits(controller, DEFAULT_OBS_PORT)).toBe(false);
    expect(admits(prometheus, DEFAULT_OBS_PORT)).toBe(true);
    expect(admits(prometheus, DEFAULT_MGMT_PORT)).toBe(false);
    for (const s of strangers) {
      expect(admits(s, DEFAULT_MGMT_PORT), JSON.stringify(s.labels)).toBe(
        false,
      );
      expect(admits(s, DEFAULT_OBS_PORT), JSON.stringify(s.labels)).toBe(false);
    }
  });

  if (want.masterStandby) {
    it('can roll out although the standby never turns ready, without a false deadline', () => {
      // Old pods must be replaceable while every new pod is still a (503) standby:
      // that needs maxUnavailable >= replicas (see rollout-strategy.yaml).
      const ru = deployment.spec.strategy.rollingUpdate as Obj;
      const abs = (v: string | number) =>
        typeof v === 'string' && v.endsWith('%')
          ? Math.floor((want.replicas * Number(v.slice(0, -1))) / 100)
          : Number(v);
      expect(abs(ru.maxUnavailable)).toBeGreaterThanOrEqual(want.replicas);
      // max int32: the controller never marks the (by design) 1-of-2
      // available Deployment ProgressDeadlineExceeded.
      expect(deployment.spec.progressDeadlineSeconds).toBe(2 ** 31 - 1);
      expect(
        deployment.metadata.annotations[
          'motor-coordinator.io/expected-available-replicas'
        ],
      ).toBe('1');
    });

    it('lets a node drain evict the master and the standby (PDB never blocks)', () => {
      const pdb = one(resources, 'PodDisruptionBudget');
      expect(selectorMatches(pdb.spec.selector, podLabels)).toBe(true);
      const n = want.replicas;
      // Steady state: one Ready master, n - 1 standbys never Ready.
      expect(evictionAllowed(pdb.spec, n, 1, true), 'master').toBe(true);
      expect(evictionAllowed(pdb.spec, n, 1, false), 'standby').toBe(true);
      // The usual budget would block the master forever: the standby's
      // unreadiness takes the one allowed disruption.
      expect(evictionAllowed({ maxUnavailable: 1 }, n, 1, true)).toBe(false);
    });
  } else {
    it('keeps the old pod until the new one is ready', () => {
      expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    });
  }
});

// --- .env.example ----------------------------------------------------------------

describe('.env.example', () => {
  const lines = readFileSync(join(ROOT, '.env.example'), 'utf8').split('\n');
  const assignment = /^\s*(?:#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/;
  const active = Object.fromEntries(
    lines
      .filter((l) => !l.trimStart().startsWith('#'))
      .map((l) => assignment.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );

  it('lists every variable the app reads', () => {
    const listed = new Set(
      lines
        .map((l) => assignment.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => m[1]!),
    );
    for (const name of ALLOWED_ENV) {
      if (name === 'NODE_OPTIONS') continue;
      expect(listed.has(name), name).toBe(true);
    }
  });

  it('sourced in a pod, leaves the bind address to POD_IP', () => {
    expect(Object.keys(active)).not.toContain('COORDINATOR_API_HOST');
    const { config, warnings } = loadConfig({
      argv: [],
      env: { ...active, POD_IP: '127.10.2.3' },
    });
    expect(warnings).toEqual([]);
    expect(config.api_config.coordinator_api_host).toBe('127.10.2.3');
  });
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
      // canonical families (SPEC §3.2): one dashboard for every engine
      'motor:time_to_first_token_seconds_p50{view="full",',
      'motor:time_to_first_token_seconds_p95{view="full",',
      'motor:time_to_first_token_seconds_p99{view="full",',
      'motor:inter_token_latency_seconds_p95{view="full",',
      'motor:e2e_request_latency_seconds_p99{view="full",',
      'motor:generation_tokens_per_second{view="full",',
      'motor:requests_running{view="full",',
      'motor:requests_waiting{view="full",',
      'motor:kv_cache_usage_ratio{view="role",',
      '{view="instance",',
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

  it('builds on a supported Node.js LTS, pinned to one exact release in every stage', () => {
    const images = baseImages();
    expect(images.length).toBe(stages.length);
    expect(new Set(images).size).toBe(1);
    const m =
      /^node:(\d+)\.(\d+)\.(\d+)-[a-z]+(?:-slim)?(?:@sha256:[0-9a-f]{64})?$/.exec(
        images[0]!,
      );
    expect(m, images[0]).not.toBeNull();
    const [major, minor, patch] = [m![1], m![2], m![3]].map(Number) as [
      number,
      number,
      number,
    ];
    // End of life of the LTS lines (nodejs.org release schedule).
    const LTS_END: Record<number, string> = {
      22: '2027-04-30',
      24: '2028-04-30',
    };
    expect(LTS_END[major], `Node ${major} is a supported LTS`).toBeDefined();
    // Date-bound on purpose: fails once the shipped line is past its end of life.
    expect(Date.parse(LTS_END[major]!)).toBeGreaterThan(Date.now());
    // package.json `engines` admits both the image's Node and the Node the
    // tests run on.
    const engines = (PKG.engines as Obj | undefined)?.node as
      string | undefined;
    expect(engines, 'package.json engines.node').toBeDefined();
    expect(
      semver.satisfies(`${major}.${minor}.${patch}`, engines!),
      `the image's Node ${major}.${minor}.${patch} satisfies engines.node ${engines}`,
    ).toBe(true);
    expect(
      semver.satisfies(process.versions.node, engines!),
      `the tests' Node ${process.versions.node} satisfies engines.node ${engines}`,
    ).toBe(true);
    // The README names both: the image's Node and the tests' Node.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`node:${major}.${minor}.${patch}`);
    expect(readme).toContain(`Node.js ${process.versions.node}`);
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
