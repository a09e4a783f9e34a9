// Long on purpose, one file: both blocks start their own etcd and measure
// failover and step-down against the lease TTL. In one file they run one after
// the other; split, vitest would run them side by side on the 2-core CI
// machine, and each would time its deadlines while the other loads it.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Etcd3 } from 'etcd3';
import { EtcdInstanceRegistry } from '../../src/instances/etcd-instance-registry.js';
import type { Instance } from '../../src/instances/instance.types.js';
import { RegistryUnavailableError } from '../../src/instances/registry-errors.js';
import { EtcdLeadership } from '../../src/leadership/etcd-leadership.js';
import { safetyMarginMs } from '../../src/leadership/lease-confirmation.js';
import { etcdClientOptions } from '../../src/leadership/etcd-client.js';
import { startEtcd, type EtcdServer } from '../support/etcd-server.js';
import { body, instance } from '../support/refresh-bodies.js';
import { spawnService, type Service } from '../support/spawn-service.js';

/** Short leases keep the spec short; production defaults to 5 s. */
const TTL_S = 2;
const TTL_MS = TTL_S * 1000;
const URLS = /management on (http:\/\/\S+), observability on (http:\/\/\S+)/;
const NOT_MASTER =
  '{"status":"error","message":"Coordinator is not master","ready":false}';

let prefixSeq = 0;
const uniquePrefix = () =>
  `/motor-test-${process.pid}-${Date.now()}-${++prefixSeq}/`;

/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Probe {
  status: number;
  text: string;
}

async function get(url: string): Promise<Probe> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return { status: res.status, text: await res.text() };
  } catch {
    return { status: 0, text: '' }; // dead or not listening
  }
}

async function post(url: string, payload: unknown): Promise<Probe> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, text: await res.text() };
}

describe('master/standby: two coordinator processes on one etcd (SPEC §5)', () => {
  let etcd: EtcdServer;
  let engine: Server;
  let engine2: Server;
  let enginePort = 0;
  let enginePort2 = 0;
  const prefix = uniquePrefix();
  const services: Service[] = [];
  interface Node {
    svc: Service;
    mgmt: string;
    obs: string;
  }
  let nodes: Node[] = [];
  let master: Node;
  let standby: Node;

  // Never two ready masters: sample both readiness probes side by side
  // during the whole scenario.
  const violations: string[] = [];
  let sampling = true;
  let sampler: Promise<void> = Promise.resolve();

  async function spawnNode(): Promise<Node> {
    const svc = spawnService([], {
      COORDINATOR_API_HOST: '127.0.0.1',
      COORDINATOR_API_MGMT_PORT: '0',
      COORDINATOR_OBS_PORT: '0',
      COORDINATOR_DRAIN_DELAY_SECONDS: '0',
      COORDINATOR_REUSE_TIME: '0.5',
      COORDINATOR_ENABLE_MASTER_STANDBY: 'true',
      COORDINATOR_ETCD_ENDPOINTS: etcd.endpoint,
      COORDINATOR_ETCD_KEY_PREFIX: prefix,
      COORDINATOR_ETCD_LEASE_TTL_SECONDS: String(TTL_S),
    });
    services.push(svc);
    const [, mgmt, obs] = await svc.waitForLine(URLS);
    return { svc, mgmt: mgmt!, obs: obs! };
  }

  const readiness = (n: Node) => get(`${n.mgmt}/readiness`);
  const isMaster = async (n: Node) =>
    (await readiness(n)).status === 200 ? true : false;

  /** Resolves with [master, standby] once exactly one of the two is ready. */
  async function electedPair(a: Node, b: Node, timeoutMs: number) {
    return waitFor('exactly one master', timeoutMs, async () => {
      const [ra, rb] = await Promise.all([readiness(a), readiness(b)]);
      if (ra.status === 200 && rb.text === NOT_MASTER) return [a, b] as const;
      if (rb.status === 200 && ra.text === NOT_MASTER) return [b, a] as const;
      return undefined;
    });
  }

  beforeAll(async () => {
    etcd = await startEtcd();
    // Two engines serving the same page: an address:port is registered once.
    const page = (_req: unknown, res: import('node:http').ServerResponse) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(
        '# HELP vllm:prompt_tokens_total Prompt tokens.\n' +
          '# TYPE vllm:prompt_tokens_total counter\n' +
          'vllm:prompt_tokens_total{model_name="m"} 42\n',
      );
    };
    engine = createServer(page);
    engine2 = createServer(page);
    engine.listen(0, '127.0.0.1');
    engine2.listen(0, '127.0.0.1');
    await Promise.all([once(engine, 'listening'), once(engine2, 'listening')]);
    enginePort = (engine.address() as { port: number }).port;
    enginePort2 = (engine2.address() as { port: number }).port;
    nodes = await Promise.all([spawnNode(), spawnNode()]);
    sampler = (async () => {
      while (sampling) {
        const current = [...nodes];
        const ready = await Promise.all(current.map((n) => readiness(n)));
        if (ready.filter((r) => r.status === 200).length > 1)
          violations.push(
            `${new Date().toISOString()}: ${current.map((n, i) => `${n.mgmt}=${ready[i]!.text}`).join(' ')}`,
          );
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
  });

  afterEach((ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    for (const s of services) console.log(`--- ${s.child.pid}\n${s.output()}`);
    console.log(`--- etcd\n${etcd.output()}`);
  });

  afterAll(async () => {
    sampling = false;
    await sampler;
    for (const s of services) {
      s.child.kill('SIGKILL');
      await s.exited;
    }
    engine?.close();
    engine2?.close();
    await etcd?.dispose();
  });

  it('elects exactly one master; the standby answers 503 "Coordinator is not master"', async () => {
    [master, standby] = await electedPair(nodes[0]!, nodes[1]!, 10_000);
    const m = await readiness(master);
    expect(m.text).toBe(
      '{"status":"ok","message":"Coordinator is master","ready":false}',
    );
    const s = await readiness(standby);
    expect(s.status).toBe(503);
    expect(s.text).toBe(NOT_MASTER);
    // Both are started and alive: the standby is only kept out of the Service.
    expect((await get(`${standby.mgmt}/startup`)).status).toBe(200);
    expect((await get(`${standby.mgmt}/liveness`)).status).toBe(200);
  });

  it('a refresh sent to the standby is applied cluster-wide', async () => {
    const set = body('set', [
      instance({ id: 1, role: 'prefill', port: enginePort }),
      instance({ id: 2, role: 'decode', port: enginePort2 }),
    ]);
    const res = await post(`${standby.mgmt}/instances/refresh`, set);
    expect(res.status).toBe(200);
    const ids = async (n: Node) =>
      (
        JSON.parse((await get(`${n.mgmt}/instances`)).text) as {
          instances: { id: number }[];
        }
      ).instances.map((i) => i.id);
    expect(await ids(standby)).toEqual([1, 2]);
    await waitFor('the master to see the set', 5000, async () =>
      (await ids(master)).join() === '1,2' ? true : undefined,
    );
    const ready = await readiness(master);
    expect(ready.text).toBe(
      '{"status":"ok","message":"Coordinator is master","ready":true}',
    );
  });

  it('SIGKILL on the master: the standby is ready within TTL + 2 s, with the same registry and metrics', async () => {
    // The warm standby scrapes too: wait until it has the engines' counter
    // (two fake engines serving the same page; prompt tokens are prefill-scoped
    // in the full view, so only instance 1's 42 count).
    await waitFor('the standby to scrape the engine', 5000, async () =>
      /^vllm:prompt_tokens_total(\{[^}]*\})? 42$/m.test(
        (await get(`${standby.obs}/metrics?type=full`)).text,
      )
        ? true
        : undefined,
    );
    master.svc.child.kill('SIGKILL');
    await master.svc.exited;
    const killedAt = performance.now();
    await waitFor('the standby to take over', TTL_MS + 2000, async () =>
      (await isMaster(standby)) ? true : undefined,
    );
    const failoverMs = performance.now() - killedAt;
    console.log(`failover after SIGKILL: ${Math.round(failoverMs)} ms`);
    expect(failoverMs).toBeLessThanOrEqual(TTL_MS + 2000);

    const ready = await readiness(standby);
    expect(ready.text).toBe(
      '{"status":"ok","message":"Coordinator is master","ready":true}',
    );
    const list = JSON.parse((await get(`${standby.mgmt}/instances`)).text) as {
      instances: { id: number; role: string }[];
    };
    expect(list.instances.map((i) => [i.id, i.role])).toEqual([
      [1, 'prefill'],
      [2, 'decode'],
    ]);
    const metrics = await get(`${standby.obs}/metrics?type=full`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^vllm:prompt_tokens_total(\{[^}]*\})? 42$/m);
    expect(metrics.text).toMatch(
      /^motor:active_prefill_workers(\{model_name="[^"]*"\})? 1$/m,
    );

    // A replacement process joins as standby.
    master = standby;
    nodes = [master];
    standby = await spawnNode();
    nodes = [master, standby];
    await waitFor('the new node to start as standby', 10_000, async () => {
      const [startup, ready] = await Promise.all([
        get(`${standby.mgmt}/startup`),
        readiness(standby),
      ]);
      return startup.status === 200 && ready.text === NOT_MASTER
        ? true
        : undefined;
    });
    expect(await isMaster(master)).toBe(true);
  });

  it('etcd down: the master turns not-ready within the TTL; refreshes answer 503, the registry keeps serving', async () => {
    await etcd.kill();
    const downAt = performance.now();
    await waitFor('the master to step down', TTL_MS + 1000, async () =>
      (await isMaster(master)) ? undefined : true,
    );
    const stepDownMs = performance.now() - downAt;
    console.log(
      `master not ready after etcd loss: ${Math.round(stepDownMs)} ms`,
    );
    expect(stepDownMs).toBeLessThanOrEqual(TTL_MS);
    expect((await readiness(master)).text).toBe(NOT_MASTER);
    expect(await isMaster(standby)).toBe(false);
    expect((await get(`${master.mgmt}/liveness`)).status).toBe(200);

    const refused = await post(
      `${master.mgmt}/instances/refresh`,
      body('add', [instance({ id: 3, role: 'union' })]),
    );
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.text)).toMatchObject({
      status: 'error',
      message: expect.stringMatching(/^Instance registry unavailable: /),
    });
    const list = JSON.parse((await get(`${master.mgmt}/instances`)).text) as {
      instances: { id: number }[];
    };
    expect(list.instances.map((i) => i.id)).toEqual([1, 2]);

    // Keep etcd down past 2 × TTL: the client then gives the leases up and
    // campaigns anew once etcd is back (the slow path of the next test).
    const outageMs = 2 * TTL_MS + 500 - (performance.now() - downAt);
    if (outageMs > 0) await new Promise((r) => setTimeout(r, outageMs));
    expect(await isMaster(master)).toBe(false);
    expect(await isMaster(standby)).toBe(false);
  });

  it('etcd back on the same data dir: exactly one master again, registry intact, refreshes work', async () => {
    const restartAt = performance.now();
    await etcd.restart();
    const upAt = performance.now();
    const [m] = await electedPair(master, standby, 15_000);
    const now = performance.now();
    console.log(
      `one master again ${Math.round(now - upAt)} ms after etcd serves (${Math.round(now - restartAt)} ms after its restart)`,
    );
    const res = await post(
      `${m.mgmt}/instances/refresh`,
      body('add', [instance({ id: 3, role: 'union' })]),
    );
    expect(res.status).toBe(200);
    for (const n of [master, standby]) {
      await waitFor(`${n.mgmt} to list 1,2,3`, 5000, async () => {
        const l = JSON.parse((await get(`${n.mgmt}/instances`)).text) as {
          instances: { id: number }[];
        };
        return l.instances.map((i) => i.id).join() === '1,2,3'
          ? true
          : undefined;
      });
    }
  });

  it('never had two ready masters at the same time', () => {
    expect(violations).toEqual([]);
  });
});

describe('EtcdLeadership and EtcdInstanceRegistry against a real etcd', () => {
  let etcd: EtcdServer;
  const closers: (() => Promise<void>)[] = [];
  const cfg = (endpoint: string) => ({
    etcd_host: '127.0.0.1',
    etcd_port: 2379,
    endpoints: [endpoint],
    key_prefix: '/',
    lease_ttl_seconds: TTL_S,
    timeout_ms: 1000,
    username: '',
    password: '',
    ca_file: '',
    cert_file: '',
    key_file: '',
  });
  const client = () => new Etcd3(etcdClientOptions(cfg(etcd.endpoint)));

  function leadership(prefix: string, now?: () => number): EtcdLeadership {
    const l = new EtcdLeadership(client(), {
      keyPrefix: prefix,
      ttlSeconds: TTL_S,
      timeoutMs: 1000,
      now,
    });
    closers.push(() => l.close());
    return l;
  }
  function registry(prefix: string): EtcdInstanceRegistry {
    const r = new EtcdInstanceRegistry(client(), prefix, { timeoutMs: 1000 });
    closers.push(() => r.close());
    return r;
  }
  // One address:port per instance: two endpoints may not share one.
  const inst = (id: number): Instance => ({
    id,
    job_name: 'job',
    model_name: 'model',
    role: 'prefill',
    endpoints: {
      '127.0.0.1': {
        '0': {
          id: 0,
          ip: '127.0.0.1',
          business_port: 20000 + id,
          mgmt_port: 20000 + id,
        },
      },
    },
    status: 'active',
    extra: {},
  });
  const ids = (r: EtcdInstanceRegistry) => r.list().map((i) => i.id);

  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
    await etcd?.dispose();
  });

  it('a master whose renewal is older than TTL − margin is not master, even before any failure event', async () => {
    let skew = 0;
    const l = leadership(uniquePrefix(), () => performance.now() + skew);
    await l.start();
    expect(l.isMaster()).toBe(true);
    skew += TTL_MS - safetyMarginMs(TTL_MS);
    expect(l.isMaster()).toBe(false);
    // The next acknowledged keepalive renews it.
    await waitFor('renewal', TTL_MS, () => (l.isMaster() ? true : undefined));
  });

  it('a frozen etcd (no connection error at all): the master drops within the TTL, refreshes fail, and it recovers', async () => {
    const prefix = uniquePrefix();
    const l = leadership(prefix);
    const r = registry(prefix);
    await Promise.all([l.start(), r.restore()]);
    expect(l.isMaster()).toBe(true);
    await etcd.pause();
    const frozenAt = performance.now();
    try {
      await waitFor('step-down', TTL_MS + 1000, () =>
        l.isMaster() ? undefined : true,
      );
      const stepDownMs = performance.now() - frozenAt;
      console.log(`step-down with etcd frozen: ${Math.round(stepDownMs)} ms`);
      expect(stepDownMs).toBeLessThanOrEqual(TTL_MS);
      // A refresh does not hang on a frozen etcd: it fails (503) at the deadline.
      await expect(
        r.apply({ event: 'add', instances: [inst(1)] }),
      ).rejects.toBeInstanceOf(RegistryUnavailableError);
    } finally {
      await etcd.resume();
    }
    // etcd extends leases when it resumes; the same campaign is master again.
    await waitFor('master again', 10_000, () =>
      l.isMaster() ? true : undefined,
    );
  });

  it('one of two candidates is master; when it closes, the other takes over', async () => {
    const prefix = uniquePrefix();
    const a = leadership(prefix);
    const b = leadership(prefix);
    await a.start();
    await b.start();
    const [m, s] = await waitFor('one master', 5000, () =>
      a.isMaster() !== b.isMaster()
        ? a.isMaster()
          ? [a, b]
          : [b, a]
        : undefined,
    );
    await m.close();
    expect(m.isMaster()).toBe(false);
    await waitFor('takeover', TTL_MS + 2000, () =>
      s.isMaster() ? true : undefined,
    );
  });

  it('concurrent refreshes on two nodes are all applied, each atomically', async () => {
    const prefix = uniquePrefix();
    const r1 = registry(prefix);
    const r2 = registry(prefix);
    await Promise.all([r1.restore(), r2.restore()]);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? r1 : r2).apply({ event: 'add', instances: [inst(i)] }),
      ),
    );
    const all = Array.from({ length: 20 }, (_, i) => i);
    for (const r of [r1, r2]) {
      await waitFor('convergence', 5000, () =>
        ids(r).join() === all.join() ? true : undefined,
      );
    }
    // set vs add racing: the result is one of the two serial orders.
    await Promise.all([
      r1.apply({ event: 'set', instances: [inst(100), inst(101)] }),
      r2.apply({ event: 'add', instances: [inst(102)] }),
    ]);
    const fresh = registry(prefix);
    await fresh.restore();
    expect(['100,101', '100,101,102']).toContain(ids(fresh).join());
    for (const r of [r1, r2]) {
      await waitFor('convergence', 5000, () =>
        ids(r).join() === ids(fresh).join() ? true : undefined,
      );
    }
  });

  it('etcd unreachable: apply() fails as unavailable (503 at the edge) and changes nothing, restore() throws, list() keeps the last state', async () => {
    const prefix = uniquePrefix();
    const r = registry(prefix);
    await r.restore();
    await r.apply({ event: 'add', instances: [inst(7)] });
    await etcd.stop();
    try {
      const err = await r.apply({ event: 'del', ids: [7] }).then(
        () => null,
        (e: unknown) => e,
      );
      // A domain error; the management port's filter answers it with 503.
      expect(err).toBeInstanceOf(RegistryUnavailableError);
      expect((err as Error).message).toMatch(
        /^Instance registry unavailable: /,
      );
      expect(ids(r)).toEqual([7]);
      await expect(registry(prefix).restore()).rejects.toThrow(
        /^etcd unreachable at /,
      );
      await expect(leadership(prefix).start()).rejects.toThrow(
        /^etcd unreachable at /,
      );
    } finally {
      await etcd.restart();
    }
    const again = registry(prefix);
    await again.restore();
    expect(ids(again)).toEqual([7]);
  });
});
