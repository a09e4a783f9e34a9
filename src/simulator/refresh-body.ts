/** The SPEC §2 `POST /instances/refresh` body that registers a fleet's instances. */
import type { FleetInstanceSpec } from './fleet-spec.js';
import type { EngineRole } from './vllm-catalogue.js';

export type RefreshEvent = 'add' | 'del' | 'set' | 'pause' | 'resume';

export interface RefreshEndpoint {
  id: number;
  ip: string;
  business_port: string;
  mgmt_port: string;
}

export interface RefreshInstance {
  job_name: string;
  model_name: string;
  id: number;
  role: EngineRole;
  /** IP → DP rank → endpoint. */
  endpoints: Record<string, Record<string, RefreshEndpoint>>;
}

export interface RefreshBody {
  event: RefreshEvent;
  instances: RefreshInstance[];
}

/** An engine server as the refresh body lists it. */
export interface ListedEndpoint {
  readonly rank: number;
  readonly ip: string;
  readonly port: number;
}

/**
 * The body for every instance of `instances`, or only for `ids`;
 * `engines[i]` are the endpoints of `instances[i]`.
 */
export function refreshBody(
  instances: readonly FleetInstanceSpec[],
  engines: readonly (readonly ListedEndpoint[])[],
  defaultModelName: string,
  event: RefreshEvent,
  ids?: readonly number[],
): RefreshBody {
  const wanted = ids ? new Set(ids) : undefined;
  const listed = instances
    .map((instance, i) => ({ instance, eps: engines[i] ?? [] }))
    .filter(({ instance }) => !wanted || wanted.has(instance.id))
    .map(({ instance, eps }) => {
      const map: Record<string, Record<string, RefreshEndpoint>> = {};
      for (const e of eps) {
        const port = String(e.port);
        (map[e.ip] ??= {})[String(e.rank)] = {
          id: e.rank,
          ip: e.ip,
          business_port: port,
          mgmt_port: port,
        };
      }
      return {
        job_name: instance.jobName ?? `${instance.role}-${instance.id}`,
        model_name: instance.modelName ?? defaultModelName,
        id: instance.id,
        role: instance.role,
        endpoints: map,
      };
    });
  return { event, instances: listed };
}
