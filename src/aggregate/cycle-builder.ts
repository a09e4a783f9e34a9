import type { Role } from '../instances/role.js';
import {
  endpointKey,
  type EndpointRef,
  type InstanceRef,
  type PageResult,
} from '../scrape/scrape.types.js';
import type { CycleInput } from './aggregate.types.js';

/**
 * Small helpers to assemble a `CycleInput` from plain strings (tests, benchmarks,
 * simulators). Not used on the production path.
 */

export function endpointRef(
  instanceId: number,
  role: Role,
  podIp: string,
  dpRank: number,
  modelName?: string,
): EndpointRef {
  return {
    key: endpointKey(instanceId, podIp, dpRank),
    instanceId,
    role,
    podIp,
    dpRank,
    ...(modelName === undefined ? {} : { modelName }),
  };
}

export function okPage(
  endpoint: EndpointRef,
  body: string,
  at: number,
): PageResult {
  return { endpoint, status: 'ok', body, at };
}

export function failedPage(
  endpoint: EndpointRef,
  error: string,
  at: number,
): PageResult {
  return { endpoint, status: 'error', error, at };
}

/** Instances derived from the pages' endpoints (none paused unless listed). */
export function instancesOf(
  pages: readonly PageResult[],
  paused: readonly number[] = [],
): InstanceRef[] {
  const byId = new Map<number, InstanceRef>();
  for (const p of pages) {
    const { instanceId: id, role, modelName } = p.endpoint;
    if (!byId.has(id))
      byId.set(id, {
        id,
        role,
        paused: paused.includes(id),
        ...(modelName === undefined ? {} : { modelName }),
      });
  }
  return [...byId.values()];
}

export function cycleOf(
  pages: readonly PageResult[],
  finishedAt: number,
  options: { startedAt?: number; instances?: readonly InstanceRef[] } = {},
): CycleInput {
  return {
    startedAt: options.startedAt ?? finishedAt - 1000,
    finishedAt,
    instances: options.instances ?? instancesOf(pages),
    pages,
  };
}
