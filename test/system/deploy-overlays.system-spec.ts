import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AUTH,
  DEPLOY,
  LABEL_KEYS,
  one,
  OTHER_OVERLAYS,
  OVERLAYS,
  removeDeployCopy,
  yamlDocs,
} from '../support/deploy-copy.js';
import {
  evictionAllowed,
  KUBECTL_BIN,
  type Obj,
  selectorMatches,
  validateObject,
} from '../support/k8s-manifests.js';
import { overlayInstall } from '../support/overlay-install.js';
import { PKG, ROOT } from '../support/repo-root.js';

/**
 * The kustomize overlays, rendered by the real `kubectl kustomize` from a copy
 * of deploy/ with the Secret's auth.env filled in (test/support/deploy-copy.ts):
 * every overlay is checked, none renders without its Secret values, each
 * renders the expected objects, valid against the Kubernetes schemas
 * (kubernetes-models), labelled and with the rollout its replica count needs.
 */

const run = promisify(execFile);
afterAll(removeDeployCopy);

const byText = (a: unknown, b: unknown): number =>
  String(a).localeCompare(String(b));

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
  const { dir, resources, deployment, podLabels, container } =
    overlayInstall(overlay);

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
