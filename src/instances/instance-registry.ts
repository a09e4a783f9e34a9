import type {
  Instance,
  RefreshCommand,
  RefreshOutcome,
} from './instance.types.js';
import { applyRefresh } from './apply-refresh.js';
import {
  checkRegistry,
  DEFAULT_REGISTRY_LIMITS,
  type RegistryLimits,
} from './registry-limits.js';

export type RegistryListener = (instances: readonly Instance[]) => void;

/**
 * The registry port. Controllers, probes and the scraper only see this class;
 * the in-memory implementation is the default, an etcd-backed one replaces it
 * under master/standby without touching them.
 */
export abstract class InstanceRegistry {
  private readonly listeners = new Set<RegistryListener>();

  /** Where the registry lives, for people: the index and the start-up log say it. */
  abstract readonly storage: string;

  /** Current instances, ordered by id. */
  abstract list(): readonly Instance[];

  /** Applies a validated command atomically (all of it or nothing). */
  abstract apply(command: RefreshCommand): Promise<RefreshOutcome>;

  /** Loads the persisted state; called once at bootstrap. */
  abstract restore(): Promise<void>;

  /** Releases connections; called once at shutdown. */
  abstract close(): Promise<void>;

  onChange(listener: RegistryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected emit(instances: readonly Instance[]): void {
    for (const l of this.listeners) l(instances);
  }
}

export function sortedById(map: ReadonlyMap<number, Instance>): Instance[] {
  return [...map.values()].sort((a, b) => a.id - b.id);
}

export function commandIds(command: RefreshCommand): number[] {
  return 'ids' in command
    ? [...command.ids]
    : command.instances.map((i) => i.id);
}

/** The embedded default: the registry lives in this process only. */
export class InMemoryInstanceRegistry extends InstanceRegistry {
  readonly storage = 'memory (lost on restart)';
  private current = new Map<number, Instance>();
  private snapshot: readonly Instance[] = Object.freeze([]);

  constructor(
    private readonly limits: RegistryLimits = DEFAULT_REGISTRY_LIMITS,
  ) {
    super();
  }

  list(): readonly Instance[] {
    return this.snapshot;
  }

  apply(command: RefreshCommand): Promise<RefreshOutcome> {
    const { next, unknownIds } = applyRefresh(this.current, command);
    try {
      checkRegistry(this.current, next, command, this.limits);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    this.current = next;
    this.snapshot = Object.freeze(sortedById(next));
    this.emit(this.snapshot);
    return Promise.resolve({
      ids: commandIds(command),
      unknownIds,
      total: next.size,
    });
  }

  restore(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
