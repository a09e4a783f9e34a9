import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { AUTH, K8S, one, render } from './deploy-copy.js';
import type { Obj } from './k8s-manifests.js';

/**
 * One rendered overlay of the deploy/ copy seen from its coordinator pod: the
 * Deployment, the pod and its container, and the container's env as the
 * kubelet resolves it.
 */
export function overlayInstall(overlay: string) {
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

  return {
    dir,
    resources,
    deployment,
    pod,
    podLabels,
    container,
    namedPort,
    secretName,
    auth,
    containerEnv,
  };
}

/**
 * Loads an overlay's config as its container does: its own command line, with
 * the mounted ConfigMap files written to a temporary directory (made and
 * removed by the hooks this registers, so call it inside the describe).
 */
export function containerConfigLoader(
  overlay: string,
  install: ReturnType<typeof overlayInstall>,
) {
  const { resources, pod, container, containerEnv } = install;
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'motor-deploy-config-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** The container's own command line, with the mounted ConfigMap files written to a temp dir. */
  return function loadContainerConfig(podIp: string) {
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
  };
}
