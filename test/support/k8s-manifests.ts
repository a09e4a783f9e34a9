import { execFileSync } from 'node:child_process';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ConfigMap,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1';
import YAML from 'yaml';

/**
 * Kubernetes manifests as a cluster would receive them: rendered by the real
 * `kubectl kustomize`, validated against the Kubernetes and Prometheus
 * Operator schemas (kubernetes-models), and the selector / budget semantics
 * of the API server written out so that tests can evaluate them.
 */

// oxlint-disable-next-line typescript/no-explicit-any
export type Obj = Record<string, any>;

export const KUBECTL_BIN = '/usr/bin/kubectl';

/** `kubectl kustomize <dir>` → the objects, in kubectl's order. */
export function kubectlKustomize(dir: string): Obj[] {
  const text = execFileSync(KUBECTL_BIN, ['kustomize', dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 16 * 1024 * 1024,
  });
  return parseYamlDocs(text, dir);
}

export function parseYamlDocs(text: string, source: string): Obj[] {
  return YAML.parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`${source}: ${d.errors[0]}`);
      return d.toJS() as Obj | null;
    })
    .filter((d): d is Obj => d !== null);
}

interface Validatable {
  validate(): void;
}
const MODELS: Record<string, new (data: Obj) => Validatable> = {
  'v1/ConfigMap': ConfigMap as never,
  'v1/Secret': Secret as never,
  'v1/Service': Service as never,
  'v1/ServiceAccount': ServiceAccount as never,
  'apps/v1/Deployment': Deployment as never,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as never,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as never,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor as never,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule as never,
};

/**
 * Constructs the object with its schema model and validates it (throws with
 * the schema path on a type, enum, format or required-field error). A kind
 * without a model here is an error too, so no object goes unchecked.
 */
export function validateObject(obj: Obj): void {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const Model = MODELS[key];
  if (!Model) throw new Error(`no schema model for ${key}`);
  new Model(obj).validate();
}

/** A LabelSelector (matchLabels and matchExpressions), as the API server evaluates it. */
export function selectorMatches(
  selector: Obj | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return false;
  const ml = (selector.matchLabels ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(ml)) if (labels[k] !== v) return false;
  for (const e of (selector.matchExpressions ?? []) as Obj[]) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = (e.values ?? []) as string[];
    const value = labels[e.key as string];
    const ok =
      e.operator === 'In'
        ? has && values.includes(value!)
        : e.operator === 'NotIn'
          ? !has || !values.includes(value!)
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : undefined;
    if (ok === undefined) throw new Error(`operator ${e.operator}`);
    if (!ok) return false;
  }
  return true;
}

/** Every label selector in a rendered install, with where it sits. */
export function selectorsOf(resources: Obj[]): { where: string; sel: Obj }[] {
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

/** A Service's plain map selector (empty selects nothing here). */
export function mapSelects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export interface PeerPod {
  labels: Record<string, string>;
  namespace: string;
  namespaceLabels: Record<string, string>;
}

/**
 * Whether a NetworkPolicy admits TCP traffic from `peer` to `port` of a
 * selected pod (`policyNamespace` is the policy's own). Named ports are
 * resolved through the container's ports.
 */
export function networkPolicyAdmits(
  policy: Obj,
  policyNamespace: string,
  peer: PeerPod,
  port: number,
  containerPorts: Obj[],
): boolean {
  const resolve = (p: string | number): number =>
    typeof p === 'number'
      ? p
      : (containerPorts.find((c) => c.name === p)?.containerPort as number);
  return ((policy.spec.ingress ?? []) as Obj[]).some((rule) => {
    const ports = (rule.ports ?? []) as Obj[];
    const portOk =
      ports.length === 0 ||
      ports.some(
        (p) => (p.protocol ?? 'TCP') === 'TCP' && resolve(p.port) === port,
      );
    if (!portOk) return false;
    const from = (rule.from ?? []) as Obj[];
    if (from.length === 0) return true;
    return from.some((f) => {
      if (f.ipBlock) return false;
      const nsOk = f.namespaceSelector
        ? selectorMatches(f.namespaceSelector, peer.namespaceLabels)
        : peer.namespace === policyNamespace;
      const podOk = f.podSelector
        ? selectorMatches(f.podSelector, peer.labels)
        : true;
      return nsOk && podOk;
    });
  });
}

/**
 * The disruption controller's arithmetic for a PodDisruptionBudget over the
 * pods of one controller of `expected` replicas (policy/v1): how many pods
 * must stay healthy (Ready). Percentages round up, as the controller does.
 */
export function pdbDesiredHealthy(spec: Obj, expected: number): number {
  const scaled = (v: string | number): number =>
    typeof v === 'string' && v.endsWith('%')
      ? Math.ceil((expected * Number(v.slice(0, -1))) / 100)
      : Number(v);
  if (spec.maxUnavailable !== undefined) {
    return Math.max(0, expected - scaled(spec.maxUnavailable));
  }
  if (spec.minAvailable !== undefined) return scaled(spec.minAvailable);
  throw new Error('PDB without minAvailable or maxUnavailable');
}

/**
 * Whether the eviction API lets one pod go, given how many of the
 * controller's pods are Ready: a Ready pod when a disruption is allowed
 * (Ready pods above the desired healthy count); a pod that is not Ready
 * always with `unhealthyPodEvictionPolicy: AlwaysAllow`, else
 * (IfHealthyBudget) only while the budget is met.
 */
export function evictionAllowed(
  spec: Obj,
  expected: number,
  readyPods: number,
  podReady: boolean,
): boolean {
  const desired = pdbDesiredHealthy(spec, expected);
  if (podReady) return readyPods - desired > 0;
  if (spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  return readyPods >= desired;
}

/** Kubernetes quantity → number (cores or bytes). */
export function quantity(q: string | number): number {
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
