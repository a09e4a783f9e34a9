import { Logger } from '@nestjs/common';
import type { Etcd3, IKeyValue, Namespace, Watcher } from 'etcd3';
import {
  createEtcdClient,
  describeEtcdError,
  etcdHosts,
  type EtcdSettings,
} from '../leadership/etcd-client.js';
import { applyRefresh } from './apply-refresh.js';
import {
  decodeRegistryDocument,
  encodeRegistryDocument,
  MAX_DOCUMENT_BYTES,
} from './etcd-registry-document.js';
import {
  commandIds,
  InstanceRegistry,
  sortedById,
} from './instance-registry.js';
import type {
  Instance,
  RefreshCommand,
  RefreshOutcome,
} from './instance.types.js';
import {
  RegistryTooLargeError,
  RegistryUnavailableError,
} from './registry-errors.js';
import {
  checkRegistry,
  DEFAULT_REGISTRY_LIMITS,
  type RegistryLimits,
} from './registry-limits.js';

/** The whole registry is one document at `${key_prefix}instances`. */
export const REGISTRY_KEY = 'instances';
const MAX_ATTEMPTS = 20;
/** Jittered backoff after a conflict, so two busy writers do not livelock. */
const conflictBackoffMs = (attempt: number) =>
  Math.random() * Math.min(200, 5 * 2 ** attempt);
const RESYNC_MS = 1000;

interface Remote {
  readonly map: Map<number, Instance>;
  /** mod_revision of the document, 0 when absent (the txn guard). */
  readonly modRevision: bigint;
}

/**
 * The registry shared by every coordinator through etcd. One JSON document
 * holds the whole registry, so a refresh is one guarded write however many
 * instances it names (etcd caps a txn at 128 operations, not a value's size).
 *
 * - `apply()` computes `applyRefresh` on the newest state it knows and writes
 *   it in a txn guarded by the document's mod_revision; on a conflict the txn
 *   returns the current document and the command is recomputed on it.
 * - Every node watches the key and keeps a local copy: `list()` is a local
 *   read, and a refresh sent to any node reaches all of them.
 * - While etcd is unreachable, `restore()` throws (startup stays 503) and
 *   `apply()` throws RegistryUnavailableError (answered 503); `list()` keeps
 *   serving the last known state.
 */
export class EtcdInstanceRegistry extends InstanceRegistry {
  private readonly logger = new Logger(EtcdInstanceRegistry.name);
  private readonly ns: Namespace;
  private current = new Map<number, Instance>();
  private snapshot: readonly Instance[] = Object.freeze([]);
  private modRevision = 0n;
  /** Newest etcd revision whose state the local copy reflects. */
  private seenRevision = 0n;
  private restored = false;
  private closed = false;
  private watcher: Watcher | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private disconnected = false;
  /** Applies run one at a time per node: no self-inflicted conflicts. */
  private queue: Promise<unknown> = Promise.resolve();

  static fromConfig(
    etcd: EtcdSettings,
    limits: RegistryLimits,
  ): EtcdInstanceRegistry {
    return new EtcdInstanceRegistry(createEtcdClient(etcd), etcd.key_prefix, {
      where: etcdHosts(etcd).join(','),
      timeoutMs: etcd.timeout_ms,
      limits,
    });
  }

  private readonly where: string;
  private readonly timeoutMs: number;
  private readonly limits: RegistryLimits;
  readonly storage: string;

  constructor(
    private readonly client: Etcd3,
    keyPrefix: string,
    options: {
      where?: string;
      timeoutMs?: number;
      limits?: RegistryLimits;
    } = {},
  ) {
    super();
    this.where = options.where ?? 'etcd';
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.limits = options.limits ?? DEFAULT_REGISTRY_LIMITS;
    this.storage = `etcd (${this.where}, key ${keyPrefix}${REGISTRY_KEY})`;
    this.ns = client.namespace(keyPrefix);
  }

  list(): readonly Instance[] {
    return this.snapshot;
  }

  async restore(): Promise<void> {
    let header: string;
    let kv: IKeyValue | undefined;
    try {
      const res = await this.ns.get(REGISTRY_KEY).exec();
      header = res.header.revision;
      kv = res.kvs[0];
    } catch (err) {
      throw new Error(
        `etcd unreachable at ${this.where}: ${describeEtcdError(err)}`,
      );
    }
    const remote = this.decode(kv); // a corrupt document keeps startup 503
    this.accept(remote, BigInt(header));
    this.watchFrom(BigInt(header) + 1n);
    if (!this.restored) {
      this.restored = true;
      this.logger.log(
        `registry restored from etcd: ${this.current.size} instances (revision ${header})`,
      );
    }
  }

  apply(command: RefreshCommand): Promise<RefreshOutcome> {
    const run = this.queue.then(() => this.applyNow(command));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    // Cancelling waits for etcd to confirm; do not hang on a dead etcd.
    await Promise.race([
      this.stopWatch(),
      new Promise((resolve) => setTimeout(resolve, 1000).unref()),
    ]);
    this.client.close();
  }

  private async applyNow(command: RefreshCommand): Promise<RefreshOutcome> {
    let base: Remote = { map: this.current, modRevision: this.modRevision };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const { next, unknownIds } = applyRefresh(base.map, command);
      checkRegistry(base.map, next, command, this.limits);
      const doc = encodeRegistryDocument(next);
      const bytes = Buffer.byteLength(doc);
      if (bytes > MAX_DOCUMENT_BYTES) {
        throw new RegistryTooLargeError(
          `the registry would take ${bytes} bytes in etcd, over its ${MAX_DOCUMENT_BYTES}-byte limit`,
        );
      }
      let res;
      try {
        res = await this.ns
          .if(REGISTRY_KEY, 'Mod', '==', base.modRevision.toString())
          .then(this.ns.put(REGISTRY_KEY).value(doc))
          .else(this.ns.get(REGISTRY_KEY))
          // One absolute deadline for the client's internal retries too, so
          // a refresh answers within timeout_ms when etcd hangs.
          .options({ deadline: Date.now() + this.timeoutMs })
          .commit();
      } catch (err) {
        // A txn that timed out may still have been applied; a retry by the
        // client is harmless because every event is idempotent.
        throw new RegistryUnavailableError(
          `etcd did not answer (${describeEtcdError(err)})`,
        );
      }
      const revision = BigInt(res.header.revision);
      if (res.succeeded) {
        this.accept({ map: next, modRevision: revision }, revision);
        return { ids: commandIds(command), unknownIds, total: next.size };
      }
      // Someone else wrote first: recompute on what they wrote.
      const kv = res.responses[0]?.response_range.kvs[0];
      try {
        base = this.decode(kv);
      } catch (err) {
        throw new RegistryUnavailableError((err as Error).message);
      }
      this.accept(base, revision);
      await new Promise((r) => setTimeout(r, conflictBackoffMs(attempt)));
    }
    throw new RegistryUnavailableError(
      `still conflicting after ${MAX_ATTEMPTS} attempts; retry`,
    );
  }

  private decode(kv: IKeyValue | undefined): Remote {
    if (kv === undefined) return { map: new Map(), modRevision: 0n };
    try {
      return {
        map: decodeRegistryDocument(kv.value.toString()),
        modRevision: BigInt(kv.mod_revision),
      };
    } catch (err) {
      throw new Error(
        `the registry document at ${kv.key.toString()} is invalid: ${(err as Error).message}; fix or delete it`,
      );
    }
  }

  /** Takes a state seen at `revision` unless the local copy is newer. */
  private accept(remote: Remote, revision: bigint): void {
    if (revision <= this.seenRevision) return;
    this.seenRevision = revision;
    this.modRevision = remote.modRevision;
    if (remote.map === this.current) return;
    this.current = remote.map;
    this.snapshot = Object.freeze(sortedById(remote.map));
    this.emit(this.snapshot);
  }

  private watchFrom(revision: bigint): void {
    void this.stopWatch();
    const watcher = this.ns
      .watch()
      .key(REGISTRY_KEY)
      .startRevision(revision.toString())
      .watcher();
    this.watcher = watcher;
    watcher.on('put', (kv) => {
      try {
        this.accept(this.decode(kv), BigInt(kv.mod_revision));
      } catch (err) {
        this.logger.error(
          `ignoring a registry update: ${(err as Error).message}`,
        );
      }
    });
    watcher.on('delete', (kv) => {
      this.accept({ map: new Map(), modRevision: 0n }, BigInt(kv.mod_revision));
    });
    watcher.on('disconnected', (err) => {
      if (this.disconnected) return;
      this.disconnected = true;
      this.logger.warn(
        `registry watch disconnected (${describeEtcdError(err)}); serving the last known ${this.current.size} instances`,
      );
    });
    watcher.on('connected', () => {
      if (!this.disconnected) return;
      this.disconnected = false;
      this.logger.log('registry watch reconnected');
    });
    // A cancelled watch (e.g. its revision was compacted away while etcd was
    // unreachable) is replaced after a fresh read.
    watcher.on('error', (err) => {
      if (this.watcher !== watcher || this.closed) return;
      this.logger.warn(
        `registry watch failed (${describeEtcdError(err)}); resyncing`,
      );
      this.scheduleResync();
    });
  }

  private scheduleResync(): void {
    if (this.closed || this.resyncTimer) return;
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = null;
      this.restore().catch((err: unknown) => {
        this.logger.warn(`resync failed: ${(err as Error).message}`);
        this.scheduleResync();
      });
    }, RESYNC_MS);
    this.resyncTimer.unref();
  }

  private async stopWatch(): Promise<void> {
    const w = this.watcher;
    this.watcher = null;
    if (w) await w.cancel().catch(() => undefined);
  }
}
