import type {
  EndpointScrapeStatus,
  OutputFormat,
  RenderedView,
  ViewType,
} from '../aggregate/cycle.types.js';
import type { Role } from '../instances/role.js';
import type {
  CycleOutcome,
  Digester,
  DigestedSnapshot,
} from './digest.types.js';
import type { CyclePlan } from './scrape-cycle.js';
import { EndpointTransitionLog } from './endpoint-transition-log.js';

/**
 * Holds the snapshot of the last digested cycle. Requests only read it: a
 * view is rendered at most once per snapshot and then served as cached bytes.
 */
export class MetricsStore {
  private snapshot: DigestedSnapshot;
  private byKey = new Map<string, EndpointScrapeStatus>();

  constructor(
    private readonly digester: Digester,
    private readonly transitions = new EndpointTransitionLog(),
  ) {
    this.snapshot = digester.empty(Date.now());
  }

  /** Runs one cycle; the views switch to it when it is done. */
  async run(plan: CyclePlan): Promise<CycleOutcome> {
    const outcome = await this.digester.run(plan);
    const { snapshot } = outcome;
    this.snapshot = snapshot;
    this.byKey = new Map(snapshot.endpoints.map((e) => [e.key, e]));
    this.transitions.observe(snapshot.endpoints);
    return outcome;
  }

  get createdAt(): number {
    return this.snapshot.createdAt;
  }

  async render(
    view: ViewType,
    role: Role | undefined,
    format: OutputFormat,
  ): Promise<RenderedView> {
    const snapshot = this.snapshot;
    try {
      return await snapshot.render(view, role, format);
    } catch (err) {
      // The worker moved on to a newer cycle while this view was requested.
      if (snapshot !== this.snapshot)
        return this.snapshot.render(view, role, format);
      throw err;
    }
  }

  endpointStatus(key: string): EndpointScrapeStatus | undefined {
    return this.byKey.get(key);
  }

  close(): Promise<void> {
    return this.digester.close();
  }
}
