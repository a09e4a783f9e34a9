import type { Etcd3 } from 'etcd3';
import { EtcdInstanceRegistry } from './etcd-instance-registry.js';

describe('EtcdInstanceRegistry', () => {
  it('says where it lives', () => {
    const client = { namespace: () => ({}) } as unknown as Etcd3;
    const r = new EtcdInstanceRegistry(client, '/motor/', {
      where: '127.0.0.1:2379',
    });
    expect(r.storage).toBe('etcd (127.0.0.1:2379, key /motor/instances)');
  });
});
