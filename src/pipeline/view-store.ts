import type { Role } from '../instances/role.js';
import type { ViewSnapshot } from './pipeline.types.js';
import { EndpointTransitionLog } from './endpoint-transition-log.js';
import type { ViewType } from '../aggregate/views.js';
import type { OutputFormat, RenderedView } from '../render/render.types.js';
import type { EndpointScrapeStatus } from '../aggregate/aggregate.types.js';

/**
 * Holds the views of the last finished cycle. Requests only read them: a
 * view is rendered at most once per cycle and then served as cached bytes.
 */
export class ViewStore {
  private snapshot: ViewSnapshot;
  private byKey = new Map<string, EndpointScrapeStatus>();

  constructor(
    initial: ViewSnapshot,
    private readonly transitions = new EndpointTransitionLog(),
  ) {
    this.snapshot = initial;
  }

  /** The views switch to a finished cycle's. */
  publish(snapshot: ViewSnapshot): void {
    this.snapshot = snapshot;
    this.byKey = new Map(snapshot.endpoints.map((e) => [e.key, e]));
    this.transitions.observe(snapshot.endpoints);
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
}
