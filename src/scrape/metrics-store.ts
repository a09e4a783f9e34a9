import type {
  EndpointScrapeStatus,
  OutputFormat,
  RenderedView,
  ViewType,
} from '../aggregate/cycle.types.js';
import type { Role } from '../instances/role.js';
import type { CycleFeed, Digester, DigestedSnapshot } from './digest.types.js';

/**
 * Holds the snapshot of the last digested cycle. Requests only read it: a
 * view is rendered at most once per snapshot and then served as cached bytes.
 */
export class MetricsStore {
  private snapshot: DigestedSnapshot;
  private byKey = new Map<string, EndpointScrapeStatus>();

  constructor(private readonly digester: Digester) {
    this.snapshot = digester.empty(Date.now());
  }

  /**
   * Starts digesting a cycle; the views switch to it when the feed finishes.
   * One cycle at a time.
   */
  open(): CycleFeed {
    const feed = this.digester.open();
    return {
      push: (page) => feed.push(page),
      finish: async (end) => {
        const snapshot = await feed.finish(end);
        this.snapshot = snapshot;
        this.byKey = new Map(snapshot.endpoints.map((e) => [e.key, e]));
        return snapshot;
      },
    };
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
