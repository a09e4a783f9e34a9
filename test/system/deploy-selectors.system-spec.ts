import {
  DEFAULT_MGMT_PORT,
  DEFAULT_OBS_PORT,
} from '../../src/config/config.defaults.js';
import {
  IDENTITY,
  one,
  OVERLAYS,
  type OverlayName,
  removeDeployCopy,
  render,
  secondInstall,
} from '../support/deploy-copy.js';
import {
  mapSelects,
  networkPolicyAdmits,
  type Obj,
  selectorMatches,
  selectorsOf,
} from '../support/k8s-manifests.js';
import { overlayInstall } from '../support/overlay-install.js';

/**
 * Who reaches the coordinator pods of every overlay, by the API server's
 * rules: each selector is scoped to this install and selects its pods (and
 * none of a second install in the same namespace), the Services route the
 * management and observability ports, and the NetworkPolicy admits only the
 * controller and Prometheus.
 */

afterAll(removeDeployCopy);

describe.each(Object.entries(OVERLAYS))('k8s overlay %s', (overlay, want) => {
  const { resources, podLabels, container, secretName } =
    overlayInstall(overlay);

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
});
