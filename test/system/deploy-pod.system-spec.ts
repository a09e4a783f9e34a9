import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  DEFAULT_MGMT_PORT,
  DEFAULT_OBS_PORT,
} from '../../src/config/config.defaults.js';
import { MANAGEMENT_ROUTES } from '../../src/management/index.controller.js';
import { ALLOWED_ENV } from '../support/app-env.js';
import {
  AUTH_KEYS,
  one,
  OVERLAYS,
  removeDeployCopy,
} from '../support/deploy-copy.js';
import { dockerfile, imageEnv } from '../support/dockerfile.js';
import { type Obj, quantity } from '../support/k8s-manifests.js';
import {
  containerConfigLoader,
  overlayInstall,
} from '../support/overlay-install.js';

/**
 * The coordinator pod of every overlay, checked against the application
 * itself: its ConfigMap and Secret through the real loadConfig, the image's
 * command and memory flags (Dockerfile ENV vs. the pod's effective env,
 * Node's own heap limit), ports, probes and grace period matching the app's
 * constants, and the restricted securityContext.
 */

const run = promisify(execFile);
afterAll(removeDeployCopy);

const byText = (a: unknown, b: unknown): number =>
  String(a).localeCompare(String(b));

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

describe.each(Object.entries(OVERLAYS))('k8s overlay %s', (overlay, want) => {
  const install = overlayInstall(overlay);
  const { resources, pod, container, namedPort, auth, containerEnv } = install;
  const loadContainerConfig = containerConfigLoader(overlay, install);

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
});
