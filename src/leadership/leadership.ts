export type LeadershipMode = 'standalone' | 'etcd';

/**
 * Who is master. Standalone nodes are always master; the etcd implementation
 * answers from a lease-backed election.
 */
export abstract class Leadership {
  abstract readonly mode: LeadershipMode;
  abstract isMaster(): boolean;
  /** Starts campaigning (etcd) — resolves once the first state is known. */
  abstract start(): Promise<void>;
  abstract close(): Promise<void>;
}

export class StandaloneLeadership extends Leadership {
  readonly mode = 'standalone' as const;
  isMaster(): boolean {
    return true;
  }
  start(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
