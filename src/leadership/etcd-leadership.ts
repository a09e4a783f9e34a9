import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import type { Campaign, Election, Etcd3 } from 'etcd3';
import {
  createEtcdClient,
  type EtcdSettings,
  describeEtcdError,
  etcdHosts,
} from './etcd-client.js';
import { Leadership } from './leadership.js';
import { LeaseConfirmation, leaseOf } from './lease-confirmation.js';

/** The election lives at `${key_prefix}election/leader/<lease id>`. */
export const ELECTION_NAME = 'leader';
const RETRY_MS = 500;
const MONITOR_MS = 100;

export interface EtcdLeadershipOptions {
  readonly keyPrefix: string;
  readonly ttlSeconds: number;
  /** Bound for the first state at start(); etcd calls have their own deadline. */
  readonly timeoutMs: number;
  /** The value announced in the election; unique per process by default. */
  readonly candidate?: string;
  /** Monotonic clock in ms (injectable so the expiry rule can be tested). */
  readonly now?: () => number;
  /** Human-readable etcd address, for messages. */
  readonly where?: string;
}

/**
 * Master election on etcd: a lease-backed campaign (etcd3's Election, the Go
 * client's algorithm: the oldest key under the election prefix is the leader).
 *
 * Never two masters: `isMaster()` holds only while this node is elected and
 * its lease is confirmed alive for at least the safety margin more
 * (LeaseConfirmation). Another node can only be elected after our key is
 * gone, i.e. at least `margin` later.
 *
 * A campaign that fails (lease lost, etcd unreachable for 2×TTL) is resigned
 * and a new one starts every RETRY_MS until etcd answers again, so the cluster
 * converges without restarts.
 */
export class EtcdLeadership extends Leadership {
  readonly mode = 'etcd' as const;
  private readonly logger = new Logger(EtcdLeadership.name);
  private readonly election: Election;
  private readonly candidate: string;
  private readonly now: () => number;
  private readonly where: string;
  private readonly timeoutMs: number;

  private campaign: Campaign | null = null;
  private elected = false;
  private readonly lease: LeaseConfirmation;
  private running = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private monitor: NodeJS.Timeout | null = null;
  private reportedMaster = false;
  private lastProblem = '';
  private readonly settleWaiters = new Set<() => void>();

  static fromConfig(etcd: EtcdSettings): EtcdLeadership {
    return new EtcdLeadership(createEtcdClient(etcd), {
      keyPrefix: etcd.key_prefix,
      ttlSeconds: etcd.lease_ttl_seconds,
      timeoutMs: etcd.timeout_ms,
      where: etcdHosts(etcd).join(','),
    });
  }

  constructor(
    private readonly client: Etcd3,
    options: EtcdLeadershipOptions,
  ) {
    super();
    this.candidate =
      options.candidate ??
      `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.now = options.now ?? (() => performance.now());
    this.where = options.where ?? 'etcd';
    this.timeoutMs = options.timeoutMs;
    this.lease = new LeaseConfirmation(
      options.ttlSeconds * 1000,
      this.now,
      (problem) => this.report(problem),
    );
    this.election = client
      .namespace(options.keyPrefix)
      .election(ELECTION_NAME, options.ttlSeconds);
  }

  /** The value this node campaigns with (shown as the master's identity). */
  get id(): string {
    return this.candidate;
  }

  isMaster(): boolean {
    return this.elected && this.lease.holds();
  }

  /**
   * Throws while etcd is unreachable (so `/startup` stays 503); otherwise
   * starts campaigning once and resolves when this node is known to be master
   * or standby (bounded by the etcd timeout).
   */
  async start(): Promise<void> {
    if (this.closed) throw new Error('leadership is closed');
    let leader: string | undefined;
    try {
      leader = await this.election.leader();
    } catch (err) {
      throw new Error(
        `etcd unreachable at ${this.where}: ${describeEtcdError(err)}`,
      );
    }
    if (!this.running) {
      this.running = true;
      this.monitor = setInterval(() => this.report(), MONITOR_MS);
      this.monitor.unref();
      this.startCampaign();
    }
    if (leader !== undefined && leader !== this.candidate) {
      this.logger.log(`standby; master is ${leader}`);
      return;
    }
    await this.waitSettled();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.elected = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.monitor) clearInterval(this.monitor);
    const campaign = this.campaign;
    this.campaign = null;
    for (const wake of this.settleWaiters) wake();
    if (campaign) {
      // Resigning deletes our key, so a standby takes over at once instead
      // of after the TTL. Bounded: shutdown must not hang on a dead etcd.
      const resigned = campaign.resign().then(
        () => true,
        (err: unknown) => {
          this.logger.warn(`resign failed: ${describeEtcdError(err)}`);
          return true;
        },
      );
      const done = await Promise.race([
        resigned,
        delay(Math.min(this.timeoutMs, 2000)).then(() => false),
      ]);
      if (!done) this.logger.warn('resign timed out; the lease will expire');
    }
    this.client.close();
  }

  private startCampaign(): void {
    if (this.closed) return;
    const sentAt = this.now();
    const campaign = this.election.campaign(this.candidate);
    this.campaign = campaign;
    campaign.on('error', (err) => this.onCampaignError(campaign, err));
    campaign.on('elected', () => void this.onElected(campaign));
    this.lease.follow(
      leaseOf(campaign),
      () => this.campaign === campaign,
      sentAt,
    );
  }

  private async onElected(campaign: Campaign): Promise<void> {
    if (this.campaign !== campaign) return;
    // Defensive: only claim mastership while our own key still exists (a
    // waiting campaign whose lease expired must not win by accident).
    try {
      const key = await campaign.getCampaignKey();
      const exists = (await this.client.get(key).exec()).kvs.length > 0;
      if (!exists) throw new Error('our election key is gone');
    } catch (err) {
      this.onCampaignError(campaign, err as Error);
      return;
    }
    if (this.campaign !== campaign) return;
    this.elected = true;
    this.report();
    this.settle();
  }

  private onCampaignError(campaign: Campaign, err: Error): void {
    if (this.campaign !== campaign) return; // errors may be emitted twice
    this.campaign = null;
    this.elected = false;
    this.lease.lost();
    const why = `campaign failed: ${describeEtcdError(err)}`;
    this.logger.debug(`${why}; campaigning again in ${RETRY_MS} ms`);
    this.report(why);
    campaign.resign().catch(() => undefined); // etcd may be down: the lease then expires
    this.settle();
    if (this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.startCampaign();
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  /** Logs transitions; `problem` explains a loss when one is known. */
  private report(problem?: string): void {
    if (problem !== undefined) this.lastProblem = problem;
    const master = this.isMaster();
    if (master === this.reportedMaster) return;
    this.reportedMaster = master;
    if (master) {
      this.lastProblem = '';
      this.logger.log(`this node is master (${this.candidate})`);
    } else {
      const why =
        this.lastProblem ||
        `lease renewal not confirmed for ${Math.round(this.lease.unconfirmedForMs())} ms`;
      this.logger.warn(`this node is no longer master: ${why}`);
    }
  }

  private settle(): void {
    for (const wake of this.settleWaiters) wake();
    this.settleWaiters.clear();
  }

  /** Resolves on the first election outcome, or after the etcd timeout. */
  private waitSettled(): Promise<void> {
    if (this.elected) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.settleWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, this.timeoutMs);
      this.settleWaiters.add(wake);
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
