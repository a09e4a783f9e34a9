import type {
  CycleDigester,
  CycleInput,
  EndpointScrapeStatus,
  OutputFormat,
  RenderedView,
  ViewSnapshot,
  ViewType,
} from '../aggregate/cycle.types.js';
import type { Role } from '../instances/role.js';

/**
 * Holds the snapshot of the last finished cycle. Requests only read it: a view
 * is rendered at most once per snapshot and then served as cached bytes.
 */
export class MetricsStore {
  private snapshot: ViewSnapshot;
  private byKey = new Map<string, EndpointScrapeStatus>();

  constructor(private readonly aggregator: CycleDigester) {
    this.snapshot = aggregator.emptySnapshot(Date.now());
  }

  digest(cycle: CycleInput): Promise<void> {
    this.publish(this.aggregator.ingest(cycle));
    return Promise.resolve();
  }

  private publish(snapshot: ViewSnapshot): void {
    this.snapshot = snapshot;
    this.byKey = new Map(snapshot.endpoints.map((e) => [e.key, e]));
  }

  get current(): ViewSnapshot {
    return this.snapshot;
  }

  render(
    view: ViewType,
    role: Role | undefined,
    format: OutputFormat,
  ): RenderedView {
    return this.snapshot.render(view, role, format);
  }

  endpointStatus(key: string): EndpointScrapeStatus | undefined {
    return this.byKey.get(key);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
