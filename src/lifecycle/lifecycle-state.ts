export type LifecyclePhase = 'starting' | 'running' | 'draining';

/** starting → running → draining; never back. */
export class LifecycleState {
  private current: LifecyclePhase = 'starting';
  private failure: string | null = null;

  get phase(): LifecyclePhase {
    return this.current;
  }

  /** Why bootstrap has not finished yet (e.g. etcd unreachable), or null. */
  get startupProblem(): string | null {
    return this.failure;
  }

  reportStartupProblem(problem: string | null): void {
    this.failure = problem;
  }

  markRunning(): void {
    if (this.current === 'starting') {
      this.current = 'running';
      this.failure = null;
    }
  }

  beginDrain(): void {
    this.current = 'draining';
  }
}
