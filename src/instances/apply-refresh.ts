import type { Instance, RefreshCommand } from './instance.types.js';

/**
 * The refresh semantics, as a pure function over the registry contents:
 * - add: insert or replace by id (a replaced definition drops its old endpoints);
 * - del: remove by id, unknown ids ignored;
 * - set: the list becomes the whole registry;
 * - pause/resume: the instance stays registered, only its status changes.
 * Re-applying the same add/set yields the same registry (idempotent). An add or
 * set keeps the paused status of an instance that is already registered, so a
 * controller re-pushing definitions does not silently resume it.
 */
export function applyRefresh(
  current: ReadonlyMap<number, Instance>,
  command: RefreshCommand,
): { next: Map<number, Instance>; unknownIds: number[] } {
  const unknownIds: number[] = [];
  switch (command.event) {
    case 'add': {
      const next = new Map(current);
      for (const inst of command.instances) {
        next.set(inst.id, keepStatus(current.get(inst.id), inst));
      }
      return { next, unknownIds };
    }
    case 'set': {
      const next = new Map<number, Instance>();
      for (const inst of command.instances) {
        next.set(inst.id, keepStatus(current.get(inst.id), inst));
      }
      return { next, unknownIds };
    }
    case 'del': {
      const next = new Map(current);
      for (const id of command.ids) {
        if (!next.delete(id)) unknownIds.push(id);
      }
      return { next, unknownIds };
    }
    case 'pause':
    case 'resume': {
      const next = new Map(current);
      const status = command.event === 'pause' ? 'paused' : 'active';
      for (const id of command.ids) {
        const inst = next.get(id);
        if (inst === undefined) unknownIds.push(id);
        else if (inst.status !== status) next.set(id, { ...inst, status });
      }
      return { next, unknownIds };
    }
  }
}

function keepStatus(
  previous: Instance | undefined,
  incoming: Instance,
): Instance {
  return previous && previous.status !== incoming.status
    ? { ...incoming, status: previous.status }
    : incoming;
}

/** SPEC readiness rule: one active prefill and one active decode, or one active union. */
export function hasServingSet(instances: Iterable<Instance>): boolean {
  let prefill = false;
  let decode = false;
  for (const inst of instances) {
    if (inst.status !== 'active') continue;
    if (inst.role === 'union') return true;
    if (inst.role === 'prefill') prefill = true;
    if (inst.role === 'decode') decode = true;
    if (prefill && decode) return true;
  }
  return false;
}
