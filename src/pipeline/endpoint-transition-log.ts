import { Logger } from '@nestjs/common';
import type { EndpointScrapeStatus } from '../aggregate/aggregate.types.js';

/** An endpoint that went down, or came back up. */
export interface EndpointTransition {
  readonly to: 'down' | 'up';
  /** `endpointKey()` */
  readonly endpoint: string;
  readonly instance_id: number;
  readonly pod_ip: string;
  readonly dp_rank: number;
  /** down: why (its last_error); up: the error it had while down. */
  readonly last_error: string | null;
}

export type TransitionSink = (t: EndpointTransition) => void;

const logger = new Logger('EndpointState');

/** warn when an endpoint goes down, info when it comes back. */
export const logTransition: TransitionSink = (t) => {
  const line = { msg: `endpoint ${t.to}`, ...t };
  if (t.to === 'down') logger.warn(line);
  else logger.log(line);
};

function transition(
  status: EndpointScrapeStatus,
  to: 'down' | 'up',
  lastError: string | null,
): EndpointTransition {
  const [id = '', ip = '', rank = ''] = status.key.split('|');
  return {
    to,
    endpoint: status.key,
    instance_id: Number(id),
    pod_ip: ip,
    dp_rank: Number(rank),
    last_error: lastError,
  };
}

/**
 * Turns the per-endpoint status of successive cycles into transitions, each
 * reported once: a known endpoint going from up to down or back, and a new
 * endpoint whose first scrape failed. A new endpoint that answers is not a
 * transition. Endpoints missing from a cycle (removed, paused) are forgotten.
 */
export class EndpointTransitionLog {
  /** key → the last error while down, or null while up. */
  private state = new Map<string, string | null>();

  constructor(private readonly sink: TransitionSink = logTransition) {}

  observe(endpoints: readonly EndpointScrapeStatus[]): EndpointTransition[] {
    const next = new Map<string, string | null>();
    const out: EndpointTransition[] = [];
    for (const e of endpoints) {
      const known = this.state.has(e.key);
      const wasDown = known && this.state.get(e.key) !== null;
      if (e.up) {
        next.set(e.key, null);
        if (wasDown) out.push(transition(e, 'up', this.state.get(e.key)!));
      } else {
        const reason = e.lastError ?? 'down';
        next.set(e.key, wasDown ? this.state.get(e.key)! : reason);
        if (!wasDown) out.push(transition(e, 'down', reason));
      }
    }
    this.state = next;
    for (const t of out) this.sink(t);
    return out;
  }
}
