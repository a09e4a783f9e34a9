import { readFileSync } from 'node:fs';
import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
} from 'cockatiel';
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';

/**
 * Host circuit breaker: after 3 consecutive transport failures a host is
 * skipped, and probed again after this long. etcd3's default (5 s) would
 * delay recovery after an etcd restart by up to 5 s, longer than a lease TTL.
 */
const HALF_OPEN_AFTER_MS = 1000;
/** Watch reconnect backoff: quick, and capped so a restart is noticed within ~1 s. */
const WATCH_BACKOFF = { initialDelay: 100, maxDelay: 1000 };
/** gRPC pings on idle connections, to notice a dead peer without RST. */
const GRPC_KEEPALIVE_MS = 10_000;

/** How to reach etcd: the connection keys of the `etcd_config` section. */
export interface EtcdConnection {
  readonly etcd_host: string;
  readonly etcd_port: number;
  /** Full endpoint list (`http://h:p`); when non-empty it wins over etcd_host/etcd_port. */
  readonly endpoints: readonly string[];
  readonly timeout_ms: number;
  readonly username: string;
  readonly password: string;
  readonly ca_file: string;
  readonly cert_file: string;
  readonly key_file: string;
}

/** The `etcd_config` section: the connection, the key prefix and the lease. */
export interface EtcdSettings extends EtcdConnection {
  readonly key_prefix: string;
  readonly lease_ttl_seconds: number;
}

/** The etcd endpoints: the list when given, else `etcd_host:etcd_port` (as upstream). */
export function etcdHosts(cfg: EtcdConnection): string[] {
  if (cfg.endpoints.length > 0) return [...cfg.endpoints];
  const secure = cfg.ca_file !== '' || cfg.cert_file !== '';
  const host =
    cfg.etcd_host.includes(':') && !cfg.etcd_host.startsWith('[')
      ? `[${cfg.etcd_host}]`
      : cfg.etcd_host;
  return [`${secure ? 'https' : 'http'}://${host}:${cfg.etcd_port}`];
}

function readPem(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(
      `etcd_config.${key} = ${JSON.stringify(path)}: cannot read the file (${(err as Error).message})`,
    );
  }
}

/** Client options from the config: hosts, TLS, auth, deadlines and fault handling. */
export function etcdClientOptions(cfg: EtcdConnection): IOptions {
  const timeoutMs = cfg.timeout_ms;
  const options: IOptions = {
    hosts: etcdHosts(cfg),
    dialTimeout: timeoutMs,
    // Unary calls get a deadline so an unreachable etcd fails fast (startup
    // stays 503, a refresh answers 503); streams (watch, lease keepalive)
    // must not have one.
    defaultCallOptions: (ctx) =>
      ctx.isStream ? {} : { deadline: Date.now() + timeoutMs },
    grpcOptions: {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      'grpc.keepalive_time_ms': GRPC_KEEPALIVE_MS,
      'grpc.keepalive_timeout_ms': timeoutMs,
    },
    faultHandling: {
      host: () =>
        circuitBreaker(handleWhen(isRecoverableError), {
          halfOpenAfter: HALF_OPEN_AFTER_MS,
          breaker: new ConsecutiveBreaker(3),
        }),
      watchBackoff: new ExponentialBackoff(WATCH_BACKOFF).next(),
    },
  };
  if (cfg.cert_file !== '' || cfg.key_file !== '' || cfg.ca_file !== '') {
    if ((cfg.cert_file === '') !== (cfg.key_file === '')) {
      throw new Error(
        'etcd_config.cert_file and etcd_config.key_file must be set together (client certificate and its key)',
      );
    }
    options.credentials = {
      // null = the system roots (grpc-js accepts it; the typing says Buffer).
      rootCertificate:
        cfg.ca_file !== ''
          ? readPem(cfg.ca_file, 'ca_file')
          : (null as unknown as Buffer),
      ...(cfg.cert_file !== ''
        ? {
            certChain: readPem(cfg.cert_file, 'cert_file'),
            privateKey: readPem(cfg.key_file, 'key_file'),
          }
        : {}),
    };
  }
  if (cfg.username !== '') {
    options.auth = { username: cfg.username, password: cfg.password };
  }
  return options;
}

/** One client per user (leadership, registry), so each closes its own. */
export function createEtcdClient(cfg: EtcdConnection): Etcd3 {
  return new Etcd3(etcdClientOptions(cfg));
}

/** A short, log-safe description of an etcd failure. */
export function describeEtcdError(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  // gRPC messages end with a long "Resolution note" tail; keep the cause.
  return msg.replace(/\s*Resolution note:.*$/s, '').trim();
}
