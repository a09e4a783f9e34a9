import { InMemoryInstanceRegistry } from './instance-registry.js';
import type { Instance } from './instance.types.js';
import { RefreshRejectedError } from './refresh-rejected.error.js';
import { type RegistryLimits } from './registry-limits.js';

const inst = (id: number, ip: string, ports: number[]): Instance => ({
  id,
  job_name: 'job',
  model_name: 'model',
  role: 'union',
  endpoints: {
    [ip]: Object.fromEntries(
      ports.map((p, rank) => [
        String(rank),
        { id: rank, ip, business_port: p + 1000, mgmt_port: p },
      ]),
    ),
  },
  status: 'active',
  extra: {},
});

const limits: RegistryLimits = {
  maxInstances: 3,
  maxEndpoints: 4,
  scrapePort: 'mgmt_port',
  maxErrorsListed: 2,
};

async function rejection(p: Promise<unknown>): Promise<RefreshRejectedError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RefreshRejectedError);
  return err as RefreshRejectedError;
}

describe('registry limits (in-memory registry)', () => {
  it('caps instances and endpoints after the event, changing nothing when refused', async () => {
    const r = new InMemoryInstanceRegistry(limits);
    await r.apply({
      event: 'set',
      instances: [1, 2, 3].map((id) => inst(id, '127.0.0.1', [id])),
    });
    const tooMany = await rejection(
      r.apply({ event: 'add', instances: [inst(4, '127.0.0.1', [4])] }),
    );
    expect(tooMany.kind).toBe('limit');
    expect(tooMany.message).toBe(
      'the registry would hold 4 instances; the limit is refresh_limits_config.max_instances = 3',
    );
    const endpoints = await rejection(
      r.apply({ event: 'add', instances: [inst(3, '127.0.0.1', [3, 5, 6])] }),
    );
    expect(endpoints.message).toBe(
      'the registry would hold 5 endpoints; the limit is refresh_limits_config.max_endpoints = 4',
    );
    expect(r.list().map((i) => i.id)).toEqual([1, 2, 3]);
    expect(Object.keys(r.list()[2]!.endpoints['127.0.0.1']!)).toEqual(['0']);
  });

  it('refuses an address:port of another instance on the scraped port only, canonical addresses compared', async () => {
    const r = new InMemoryInstanceRegistry(limits);
    await r.apply({ event: 'set', instances: [inst(1, '127.0.0.1', [10])] });
    const clash = await rejection(
      r.apply({ event: 'add', instances: [inst(2, '::ffff:127.0.0.1', [10])] }),
    );
    expect(clash.kind).toBe('conflict');
    expect(clash.errors).toEqual([
      'instance 2 endpoints["::ffff:127.0.0.1"]["0"] and instance 1 endpoints["127.0.0.1"]["0"] both name 127.0.0.1:10 (mgmt_port)',
    ]);
    // Same business port, other mgmt port: not scraped twice, accepted.
    const other = inst(2, '127.0.0.1', [11]);
    await r.apply({
      event: 'add',
      instances: [
        {
          ...other,
          endpoints: {
            '127.0.0.1': {
              '0': {
                id: 0,
                ip: '127.0.0.1',
                business_port: 1010,
                mgmt_port: 11,
              },
            },
          },
        },
      ],
    });
    expect(r.list().map((i) => i.id)).toEqual([1, 2]);
  });

  it('lists at most maxErrorsListed clashes and counts the rest', async () => {
    const r = new InMemoryInstanceRegistry({ ...limits, maxEndpoints: 100 });
    await r.apply({
      event: 'set',
      instances: [inst(1, '127.0.0.1', [1, 2, 3, 4])],
    });
    const clash = await rejection(
      r.apply({
        event: 'add',
        instances: [inst(2, '127.0.0.1', [1, 2, 3, 4])],
      }),
    );
    expect(clash.errors).toHaveLength(3);
    expect(clash.errors[2]).toBe('… and 2 more');
  });

  it('never blocks a shrink, nor del/pause, of a registry over a lowered limit', async () => {
    // A registry restored from etcd after the limits were lowered.
    const l = { ...limits, maxInstances: 100, maxEndpoints: 100 };
    const r = new InMemoryInstanceRegistry(l);
    await r.apply({
      event: 'set',
      instances: [1, 2, 3, 4, 5].map((id) => inst(id, '127.0.0.1', [id])),
    });
    l.maxInstances = 3;
    l.maxEndpoints = 4;
    await r.apply({ event: 'pause', ids: [1] });
    await r.apply({ event: 'del', ids: [5] });
    await r.apply({
      event: 'set',
      instances: [1, 2, 3, 4].map((id) => inst(id, '127.0.0.1', [id])),
    });
    expect(r.list()).toHaveLength(4);
    // Growing again is refused.
    await rejection(
      r.apply({ event: 'add', instances: [inst(9, '127.0.0.1', [9])] }),
    );
  });

  it('says where it lives', () => {
    expect(new InMemoryInstanceRegistry().storage).toBe(
      'memory (lost on restart)',
    );
  });
});
