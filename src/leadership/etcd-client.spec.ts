import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EtcdConfig } from '../config/config.schema.js';
import {
  describeEtcdError,
  etcdClientOptions,
  etcdHosts,
} from './etcd-client.js';
import { safetyMarginMs } from './lease-confirmation.js';
import { defaultConfig } from '../config/config.defaults.js';

/** The config as plain data (the class type only carries validation). */
type Cfg = Pick<EtcdConfig, keyof EtcdConfig>;

const base: Cfg = defaultConfig(undefined).etcd_config;
const cfg = (over: Partial<Cfg>): Cfg => ({ ...base, ...over });

describe('etcd client construction', () => {
  it('uses etcd_host:etcd_port unless an endpoint list is given', () => {
    expect(etcdHosts(base)).toEqual(['http://127.0.0.1:2379']);
    expect(etcdHosts(cfg({ etcd_host: '::1', etcd_port: 2380 }))).toEqual([
      'http://[::1]:2380',
    ]);
    expect(
      etcdHosts(
        cfg({ endpoints: ['http://127.0.0.1:1', 'http://127.0.0.2:2'] }),
      ),
    ).toEqual(['http://127.0.0.1:1', 'http://127.0.0.2:2']);
  });

  it('gives unary calls the configured deadline and streams none', () => {
    const opts = etcdClientOptions(cfg({ timeout_ms: 1234 }));
    const factory = opts.defaultCallOptions as (ctx: { isStream: boolean }) => {
      deadline?: number;
    };
    const before = Date.now();
    const unary = factory({ isStream: false }).deadline!;
    expect(unary).toBeGreaterThanOrEqual(before + 1234);
    expect(unary).toBeLessThanOrEqual(Date.now() + 1234);
    expect(factory({ isStream: true }).deadline).toBeUndefined();
    expect(opts.credentials).toBeUndefined();
    expect(opts.auth).toBeUndefined();
  });

  it('passes credentials and TLS material, and switches the default host to https', () => {
    const dir = mkdtempSync(join(tmpdir(), 'motor-etcd-tls-'));
    for (const f of ['ca.pem', 'cert.pem', 'key.pem'])
      writeFileSync(join(dir, f), `${f}\n`);
    const c = cfg({
      username: 'root',
      password: 'secret',
      ca_file: join(dir, 'ca.pem'),
      cert_file: join(dir, 'cert.pem'),
      key_file: join(dir, 'key.pem'),
    });
    const opts = etcdClientOptions(c);
    expect(opts.hosts).toEqual(['https://127.0.0.1:2379']);
    expect(opts.auth).toEqual({ username: 'root', password: 'secret' });
    expect(opts.credentials?.rootCertificate.toString()).toBe('ca.pem\n');
    expect(opts.credentials?.certChain?.toString()).toBe('cert.pem\n');
    expect(opts.credentials?.privateKey?.toString()).toBe('key.pem\n');
  });

  it('names the key when a TLS file is unreadable or half configured', () => {
    expect(() =>
      etcdClientOptions(cfg({ ca_file: '/nonexistent/ca.pem' })),
    ).toThrow(
      /^etcd_config\.ca_file = "\/nonexistent\/ca\.pem": cannot read the file/,
    );
    expect(() => etcdClientOptions(cfg({ cert_file: '/x/cert.pem' }))).toThrow(
      'etcd_config.cert_file and etcd_config.key_file must be set together',
    );
  });

  it('shortens gRPC errors to their cause', () => {
    expect(
      describeEtcdError(
        new Error(
          '14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:2379. Resolution note: ',
        ),
      ),
    ).toBe(
      '14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:2379.',
    );
  });
});

describe('safetyMarginMs', () => {
  it('is a quarter of the TTL, clamped to 250 ms..1 s', () => {
    expect(safetyMarginMs(1000)).toBe(250);
    expect(safetyMarginMs(2000)).toBe(500);
    expect(safetyMarginMs(3000)).toBe(750);
    expect(safetyMarginMs(5000)).toBe(1000);
    expect(safetyMarginMs(60_000)).toBe(1000);
  });
});
