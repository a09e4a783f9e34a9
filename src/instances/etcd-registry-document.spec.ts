import type { Instance } from './instance.types.js';
import {
  decodeRegistryDocument,
  encodeRegistryDocument,
} from './etcd-registry-document.js';

const inst = (id: number, over: Partial<Instance> = {}): Instance => ({
  id,
  job_name: 'job',
  model_name: 'model',
  role: 'decode',
  endpoints: {
    '127.0.0.1': {
      '0': { id: 0, ip: '127.0.0.1', business_port: 8080, mgmt_port: 8081 },
    },
  },
  status: 'active',
  extra: { engine_type: 'vllm', parallel_config: { dp: 1 } },
  ...over,
});

describe('registry document', () => {
  it('round-trips instances, ordered by id, with status and extra fields', () => {
    const map = new Map([
      [5, inst(5, { status: 'paused' })],
      [1, inst(1, { role: 'union' })],
    ]);
    const text = encodeRegistryDocument(map);
    expect(JSON.parse(text)).toMatchObject({
      format: 1,
      instances: [{ id: 1 }, { id: 5 }],
    });
    const back = decodeRegistryDocument(text);
    expect([...back.keys()]).toEqual([1, 5]);
    expect(back.get(5)).toEqual(inst(5, { status: 'paused' }));
    expect(back.get(1)).toEqual(inst(1, { role: 'union' }));
  });

  it('rejects what it cannot trust, naming the problem', () => {
    expect(() => decodeRegistryDocument('{')).toThrow(/^not JSON/);
    expect(() => decodeRegistryDocument('{"format":2,"instances":[]}')).toThrow(
      'not a format-1 registry document',
    );
    const doc = (instances: unknown[]) =>
      JSON.stringify({ format: 1, instances });
    expect(() => decodeRegistryDocument(doc([inst(1), inst(1)]))).toThrow(
      'instances[1]: duplicate id',
    );
    expect(() =>
      decodeRegistryDocument(doc([{ ...inst(1), role: 'both' }])),
    ).toThrow('instances[0]: bad role');
    expect(() =>
      decodeRegistryDocument(doc([{ ...inst(1), status: 'gone' }])),
    ).toThrow('instances[0]: bad status');
    expect(() =>
      decodeRegistryDocument(
        doc([{ ...inst(1), endpoints: { '127.0.0.1': { '0': { id: 0 } } } }]),
      ),
    ).toThrow('instances[0]: bad endpoint');
    expect(() => decodeRegistryDocument(doc([{ ...inst(1), id: -1 }]))).toThrow(
      'instances[0]: bad id',
    );
  });

  it('an empty document is an empty registry', () => {
    expect(decodeRegistryDocument(encodeRegistryDocument(new Map())).size).toBe(
      0,
    );
  });
});
