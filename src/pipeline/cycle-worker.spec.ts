import { Piscina } from 'piscina';
import {
  PIPELINE_OPTIONS,
  startPlanServers,
  type PlanServers,
} from '../../test/support/scrape-plan.js';
import type { Role } from '../instances/role.js';
import runWorkerTask, {
  type IngestResult,
  type WireView,
} from './cycle-worker.js';
import { InlineCycleRunner } from './inline-cycle-runner.js';
import type { CycleOutcome } from './pipeline.types.js';
import type { ViewType } from '../aggregate/views.js';

/**
 * The worker thread's task function, called here on the test's own thread (so
 * that coverage counts it): it must give, for the same pages at the same
 * instant, exactly what the inline runner gives on the event loop, and hand
 * its view bodies over for transfer. Date is frozen, so the two runs agree on
 * every timestamp and duration.
 */

const T0 = 1_767_000_000_000;

interface Moved<T> {
  readonly value: T;
  readonly transfer: readonly ArrayBuffer[];
}

/** What piscina would see: the value and the buffers it would transfer. */
function unwrap<T>(moved: unknown): Moved<T> {
  const m = moved as Record<symbol, unknown>;
  return {
    value: m[Piscina.valueSymbol] as T,
    transfer: m[Piscina.transferableSymbol] as ArrayBuffer[],
  };
}

const bytes = (b: Uint8Array): Buffer =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength);

describe('cycle worker task', () => {
  let servers: PlanServers;
  let inline: InlineCycleRunner;

  beforeAll(async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    servers = await startPlanServers();
    inline = new InlineCycleRunner(PIPELINE_OPTIONS);
  });
  afterAll(async () => {
    vi.useRealTimers();
    await inline.close();
    await servers.close();
  });

  let first: IngestResult;
  let oracle: CycleOutcome;

  it('runs a cycle: the inline result, its pre-rendered views, bodies handed over for transfer', async () => {
    const moved = unwrap<IngestResult>(
      await runWorkerTask({
        kind: 'cycle',
        options: PIPELINE_OPTIONS,
        plan: servers.plan(T0),
      }),
    );
    oracle = await inline.run(servers.plan(T0));
    first = moved.value;

    expect(first.failures).toBe(1);
    expect(oracle.failures).toBe(1);
    expect(first.createdAt).toBe(oracle.snapshot.createdAt);
    expect(first.endpoints).toEqual(oracle.snapshot.endpoints);
    expect(
      first.endpoints
        .map((e) => [e.key, e.up])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    ).toEqual([
      ['1|127.0.0.1|0', true],
      ['2|127.0.0.1|0', true],
      ['3|127.0.0.1|0', false],
    ]);
    // Linux: the thread's own CPU time from /proc/thread-self.
    expect(first.threadCpuSeconds).toBeGreaterThanOrEqual(0);

    const expected: [string, ViewType, Role | undefined][] = [
      ['full||prometheus', 'full', undefined],
      ['role||prometheus', 'role', undefined],
      ['role|prefill|prometheus', 'role', 'prefill'],
      ['role|decode|prometheus', 'role', 'decode'],
      ['role|union|prometheus', 'role', 'union'],
    ];
    expect(Object.keys(first.views).sort()).toEqual(
      expected.map(([key]) => key).sort(),
    );
    for (const [key, view, role] of expected) {
      const got = first.views[key]!;
      const want = await oracle.snapshot.render(view, role, 'prometheus');
      expect(got.contentType).toBe(want.contentType);
      expect(bytes(got.body).equals(want.body)).toBe(true);
    }
    // Each body starts a buffer no other body shares; those buffers are listed for transfer.
    const bodies = Object.values(first.views).map((v) => v.body);
    expect(new Set(bodies.map((b) => b.buffer)).size).toBe(bodies.length);
    expect(moved.transfer).toHaveLength(bodies.length);
    bodies.forEach((b, i) => {
      expect(b.byteOffset).toBe(0);
      expect(moved.transfer[i]).toBe(b.buffer);
    });
  });

  it.each([
    ['instance', 'prometheus'],
    ['dp', 'prometheus'],
    ['full', 'opentelemetry'],
  ] as const)(
    'renders the %s view as %s for the latest snapshot on request',
    async (view, format) => {
      const moved = unwrap<WireView>(
        await runWorkerTask({
          kind: 'render',
          createdAt: first.createdAt,
          view,
          role: undefined,
          format,
        }),
      );
      const want = await oracle.snapshot.render(view, undefined, format);
      expect(moved.value.contentType).toBe(want.contentType);
      expect(bytes(moved.value.body).equals(want.body)).toBe(true);
      expect(moved.transfer).toEqual([moved.value.body.buffer]);
    },
  );

  it('answers null for a snapshot a later cycle has replaced', async () => {
    vi.setSystemTime(T0 + 3000);
    const second = unwrap<IngestResult>(
      await runWorkerTask({
        kind: 'cycle',
        options: PIPELINE_OPTIONS,
        plan: servers.plan(T0 + 3000),
      }),
    ).value;
    expect(second.createdAt).toBeGreaterThan(first.createdAt);
    const old = await runWorkerTask({
      kind: 'render',
      createdAt: first.createdAt,
      view: 'node',
      role: undefined,
      format: 'prometheus',
    });
    expect(old).toBeNull();
    const latest = unwrap<WireView>(
      await runWorkerTask({
        kind: 'render',
        createdAt: second.createdAt,
        view: 'node',
        role: undefined,
        format: 'prometheus',
      }),
    ).value;
    expect(latest.body.byteLength).toBeGreaterThan(0);
  });
});
