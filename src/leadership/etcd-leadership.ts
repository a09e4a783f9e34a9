import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import { Lease, type Campaign, type Election, type Etcd3 } from 'etcd3';
import { Leadership } from './leadership.js';
import {
  createEtcdClient,
  type EtcdSettings,
  describeEtcdError,
  etcdHosts,
} from './etcd-client.js';

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
 * How long before the lease could expire on the etcd side a master stops
 * calling itself master: a quarter of the TTL, between 250 ms and 1 s.
 */
export function safetyMarginMs(ttlMs: number): number {
  return Math.min(1000, Math.max(250, ttlMs / 4));
}

/**
 * etcd3 1.1 keeps a campaign's lease private; we need its keepalive events to
 * know how long the lease is certainly alive. Fails loudly if that changes.
 */
function leaseOf(campaign: Campaign): Lease {
  const lease: unknown = (campaign as unknown as { lease?: unknown }).lease;
  if (!(lease instanceof Lease)) {
    throw new Error(
      'etcd3 Campaign does not expose its lease: the etcd3 version is not supported',
    );
  }
  return lease;
}

/**
 * Master election on etcd: a lease-backed campaign (etcd3's Election, the Go
 * client's algorithm: the oldest key under the election prefix is the leader).
 *
 * Never two masters: etcd deletes our key no earlier than TTL after it last
 * processed a keepalive, and a keepalive is processed after we sent it. So
 * `isMaster()` holds only while `now - sentAt(last acknowledged keepalive) <
 * TTL - margin`, computed on every call (no timer needed, survives event-loop
 * stalls), and drops at once on a keepalive failure. Another node can only be
 * elected after our key is gone, i.e. at least `margin` later.
 *
 * A campaign that fails (lease lost, etcd unreachable for 2×TTL) is resigned
 * and a new one starts every RETRY_MS until etcd answers again, so the cluster
 * converges without restarts.
 */
export class EtcdLeadership extends Leadership {
  readonly mode = 'etcd' as const;
  private readonly logger = new Logger(EtcdLeadership.name);
  private readonly election: Election;
  private readonly ttlMs: number;
  private readonly marginMs: number;
  private readonly candidate: string;
  private readonly now: () => number;
  private readonly where: string;
  private readonly timeoutMs: number;

  private campaign: Campaign | null = null;
  private elected = false;
  /** Send time of the newest keepalive (or grant) etcd acknowledged. */
  private confirmedAt = Number.NEGATIVE_INFINITY;
  private keepaliveOk = false;
  /** Send times of keepalives in flight on the current stream, oldest first. */
  private inFlight: number[] = [];
  private acceptAcks = false;
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
    this.ttlMs = options.ttlSeconds * 1000;
    this.marginMs = safetyMarginMs(this.ttlMs);
    this.candidate =
      options.candidate ??
      `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.now = options.now ?? (() => performance.now());
    this.where = options.where ?? 'etcd';
    this.timeoutMs = options.timeoutMs;
    this.election = client
      .namespace(options.keyPrefix)
      .election(ELECTION_NAME, options.ttlSeconds);
  }

  /** The value this node campaigns with (shown as the master's identity). */
  get id(): string {
    return this.candidate;
  }

  isMaster(): boolean {
    return (
      this.elected &&
      this.keepaliveOk &&
      this.now() - this.confirmedAt < this.ttlMs - this.marginMs
    );
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
    const current = () => this.campaign === campaign;
    campaign.on('error', (err) => this.onCampaignError(campaign, err));
    campaign.on('elected', () => void this.onElected(campaign));
    const lease = leaseOf(campaign);
    lease.on('keepaliveEstablished', () => {
      if (!current()) return;
      this.inFlight = [];
      this.acceptAcks = true;
    });
    lease.on('keepaliveFired', () => {
      if (current()) this.inFlight.push(this.now());
    });
    lease.on('keepaliveSucceeded', () => {
      if (!current()) return;
      // Responses on a stream come in request order.
      const sent = this.inFlight.shift();
      if (sent !== undefined && this.acceptAcks) this.confirm(sent);
    });
    lease.on('keepaliveFailed', (err: unknown) => {
      if (!current()) return;
      this.inFlight = [];
      this.acceptAcks = false;
      this.keepaliveOk = false;
      this.report(`lease keepalive failed: ${describeEtcdError(err)}`);
    });
    // The grant itself confirms the lease from the moment it was requested.
    lease.grant().then(
      () => {
        if (current()) this.confirm(sentAt);
      },
      () => undefined, // reported through the campaign's 'error'
    );
  }

  private confirm(sentAt: number): void {
    if (sentAt > this.confirmedAt) this.confirmedAt = sentAt;
    this.keepaliveOk = true;
    this.report();
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
    this.keepaliveOk = false;
    this.confirmedAt = Number.NEGATIVE_INFINITY;
    this.inFlight = [];
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
        `lease renewal not confirmed for ${Math.round(this.now() - this.confirmedAt)} ms`;
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
