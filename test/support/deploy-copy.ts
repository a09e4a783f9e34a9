import { randomBytes } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { kubectlKustomize, type Obj, parseYamlDocs } from './k8s-manifests.js';
import { ROOT } from './repo-root.js';

/**
 * deploy/ as an operator installs it: a copy (made when this module loads)
 * with each overlay's Secret values written to its auth.env, as the README
 * tells an operator to, rendered by the real `kubectl kustomize` once per
 * directory. A spec that imports this removes the copy with
 * `afterAll(removeDeployCopy)`.
 */

export const DEPLOY = join(ROOT, 'deploy');

export function yamlDocs(path: string): Obj[] {
  return parseYamlDocs(readFileSync(path, 'utf8'), path);
}

/** The one object of `kind` (and `name`) in `resources`. */
export function one(resources: Obj[], kind: string, name?: string): Obj {
  const found = resources.filter(
    (r) => r.kind === kind && (name === undefined || r.metadata.name === name),
  );
  expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0]!;
}

export const WORK = mkdtempSync(join(tmpdir(), 'motor-deploy-'));
export const K8S = join(WORK, 'deploy', 'k8s');
cpSync(DEPLOY, join(WORK, 'deploy'), { recursive: true });

export function removeDeployCopy(): void {
  rmSync(WORK, { recursive: true, force: true });
}

/** The overlays that install a coordinator, and what each must render. */
export const OVERLAYS = {
  single: { replicas: 1, masterStandby: false, nodePort: undefined },
  'master-standby': { replicas: 2, masterStandby: true, nodePort: undefined },
  'nodeport-31017': { replicas: 1, masterStandby: false, nodePort: 31017 },
} as const;
export type OverlayName = keyof typeof OVERLAYS;
/** Overlays of other objects (checked with the Prometheus assets). */
export const OTHER_OVERLAYS = ['prometheus-auth'];

export const AUTH_KEYS = [
  'COORDINATOR_MGMT_API_KEY',
  'COORDINATOR_METRICS_BEARER_TOKEN',
] as const;
/** auth.env per overlay directory that generates the Secret. */
export const AUTH: Record<string, Record<string, string>> = {};
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
export function secondInstall(of: OverlayName): string {
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
export function render(dir: string): Obj[] {
  let out = rendered.get(dir);
  if (!out) {
    out = kubectlKustomize(dir);
    rendered.set(dir, out);
  }
  return out;
}

export const LABEL_KEYS = [
  'name',
  'instance',
  'component',
  'version',
  'part-of',
  'managed-by',
].map((k) => `app.kubernetes.io/${k}`);
/** The labels that tell one install from another. */
export const IDENTITY = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
];
