import { Lease, type Campaign } from 'etcd3';
import { describeEtcdError } from './etcd-client.js';

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
export function leaseOf(campaign: Campaign): Lease {
  const lease: unknown = (campaign as unknown as { lease?: unknown }).lease;
  if (!(lease instanceof Lease)) {
    throw new Error(
      'etcd3 Campaign does not expose its lease: the etcd3 version is not supported',
    );
  }
  return lease;
}

/**
 * Whether the current campaign's lease is certainly alive on the etcd side.
 * etcd deletes the key no earlier than TTL after it last processed a
 * keepalive, and a keepalive is processed after it was sent: so the lease
 * holds while `now - sentAt(last acknowledged keepalive) < TTL - margin`,
 * computed on every call (no timer, survives event-loop stalls), and stops
 * holding at once on a keepalive failure.
 */
export class LeaseConfirmation {
  /** Send time of the newest keepalive (or grant) etcd acknowledged. */
  private confirmedAt = Number.NEGATIVE_INFINITY;
  private keepaliveOk = false;
  /** Send times of keepalives in flight on the current stream, oldest first. */
  private inFlight: number[] = [];
  private acceptAcks = false;
  private readonly ttlMs: number;
  private readonly marginMs: number;

  /** `changed` is called whenever the answer of `holds()` may have changed. */
  constructor(
    ttlMs: number,
    private readonly now: () => number,
    private readonly changed: (problem?: string) => void,
  ) {
    this.ttlMs = ttlMs;
    this.marginMs = safetyMarginMs(ttlMs);
  }

  holds(): boolean {
    return (
      this.keepaliveOk &&
      this.now() - this.confirmedAt < this.ttlMs - this.marginMs
    );
  }

  /** Time since the send time of the newest acknowledged keepalive. */
  unconfirmedForMs(): number {
    return this.now() - this.confirmedAt;
  }

  /**
   * Follows a campaign's lease while `current()` says it is the campaign in
   * use; `grantSentAt` is when that campaign was requested.
   */
  follow(lease: Lease, current: () => boolean, grantSentAt: number): void {
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
      this.changed(`lease keepalive failed: ${describeEtcdError(err)}`);
    });
    // The grant itself confirms the lease from the moment it was requested.
    lease.grant().then(
      () => {
        if (current()) this.confirm(grantSentAt);
      },
      () => undefined, // reported through the campaign's 'error'
    );
  }

  /** The campaign failed: nothing is confirmed until a new one is granted. */
  lost(): void {
    this.keepaliveOk = false;
    this.confirmedAt = Number.NEGATIVE_INFINITY;
    this.inFlight = [];
  }

  private confirm(sentAt: number): void {
    if (sentAt > this.confirmedAt) this.confirmedAt = sentAt;
    this.keepaliveOk = true;
    this.changed();
  }
}
