import type { Role } from '../instances/role.js';
import type { LabelPair } from '../parse/label-block.js';
import type { EndpointRef } from '../scrape/scrape.types.js';
import type { SeriesCatalog } from './series-catalog.js';
import type { SampleBuffer } from './endpoint-state.js';

/** What a view build reads: the groups of endpoints to merge and the cycle they belong to. */

/** The samples of one endpoint a view reads (an EndpointState, or a copy of its fields). */
export type SampleSet = Pick<
  SampleBuffer,
  | 'n'
  | 'sids'
  | 'raw'
  | 'off'
  | 'state'
  | 'declared'
  | 'capacity'
  | 'singleCapacity'
  | 'aliasOff'
>;

/** What a view reads of one endpoint. */
export interface SourceState {
  readonly ref: EndpointRef;
  /** The catalog's index of the registry model (canonical series carry it). */
  readonly model: number;
  /** First good page or last counter restart (ms): the OTLP start time in `dp`. */
  readonly since: number;
  readonly cur: SampleSet;
  readonly stale: boolean;
  readonly up: boolean;
  /** A page was read this cycle (its `fresh` entries join their merged series now). */
  readonly ingested: boolean;
  readonly lastAt: number;
  readonly lastSuccessAt: number | null;
}

/** Token rates (per second) of one registry model. */
export interface TokenRates {
  readonly prompt: number;
  readonly generation: number;
}

export interface GroupSpec {
  readonly key: string;
  readonly labels: readonly LabelPair[];
  readonly role: Role | undefined;
  readonly endpoints: readonly SourceState[];
  /** Set for a group built after its cycle (the lazy `dp` view): token rates by model index. */
  readonly rates?: ReadonlyMap<number, TokenRates>;
}

/** Windowed Δ_sum and Δ_count per model index, for the PD TTFT estimate. */
export type MeanParts = Map<number, [sum: number, count: number]>;

export interface BuildContext {
  readonly catalog: SeriesCatalog;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly staleAfterMs: number;
  readonly windowMs: number;
  /** Full view only: sid flags to skip per endpoint role (S2 scopes). */
  readonly skipMask: Readonly<Record<Role, number>>;
  /** Registered, not paused instances per role, by model index. */
  readonly workers: ReadonlyMap<number, Readonly<Record<Role, number>>>;
  /** Filled by the `role` view (built first), read by `full`: prefill e2e and decode TTFT. */
  readonly pd: { prefillE2e: MeanParts; decodeTtft: MeanParts };
}
