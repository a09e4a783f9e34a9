import type { Role } from './role.js';

export const REFRESH_EVENTS = ['add', 'del', 'set', 'pause', 'resume'] as const;
export type RefreshEvent = (typeof REFRESH_EVENTS)[number];

export type InstanceStatus = 'active' | 'paused';

/** One DP rank of an instance. Ports are stored as integers. */
export interface EndpointDef {
  readonly id: number;
  readonly ip: string;
  readonly business_port: number;
  readonly mgmt_port: number;
}

/** An engine instance as the registry keeps it. */
export interface Instance {
  readonly id: number;
  readonly job_name: string;
  readonly model_name: string;
  readonly role: Role;
  /** IP → endpoint id (decimal DP rank) → endpoint. */
  readonly endpoints: Readonly<
    Record<string, Readonly<Record<string, EndpointDef>>>
  >;
  readonly status: InstanceStatus;
  /** Other upstream fields (engine_type, parallel_config, …), kept as sent. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** A validated refresh request, ready to apply. */
export type RefreshCommand =
  | { readonly event: 'add' | 'set'; readonly instances: readonly Instance[] }
  | {
      readonly event: 'del' | 'pause' | 'resume';
      readonly ids: readonly number[];
    };

export interface RefreshOutcome {
  /** Ids the request named. */
  readonly ids: readonly number[];
  /** Ids named by del/pause/resume that were not registered (not an error). */
  readonly unknownIds: readonly number[];
  /** Registered instances after the change. */
  readonly total: number;
}
