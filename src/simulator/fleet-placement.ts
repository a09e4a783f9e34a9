/**
 * Where a fleet's engines live: one engine server per DP rank, instances
 * spread over the loopback pod addresses 127.0.0.2, 127.0.0.3, …
 */
import type { FleetInstanceSpec, FleetSpec } from './fleet-spec.js';

const POD_ADDRESSES = 250;

/** The n-th pod address: 127.0.0.2 … 127.0.0.251, then round again. */
export function podAddress(n: number): string {
  return `127.0.0.${2 + (n % POD_ADDRESSES)}`;
}

export interface Placement {
  instance: FleetInstanceSpec;
  rank: number;
  ip: string;
}

export function place(spec: FleetSpec): Placement[] {
  const ids = new Set<number>();
  const out: Placement[] = [];
  let pod = 0;
  for (const instance of spec.instances) {
    if (
      !Number.isInteger(instance.id) ||
      instance.id < 0 ||
      ids.has(instance.id)
    ) {
      throw new Error(
        `fleet: instance id ${instance.id} is not a unique integer >= 0`,
      );
    }
    ids.add(instance.id);
    if (!Number.isInteger(instance.dpRanks) || instance.dpRanks < 1) {
      throw new Error(`fleet: instance ${instance.id} needs dpRanks >= 1`);
    }
    const perHost = Math.max(1, instance.ranksPerHost ?? instance.dpRanks);
    for (let rank = 0; rank < instance.dpRanks; rank++) {
      if (!instance.host && rank > 0 && rank % perHost === 0) pod++;
      out.push({ instance, rank, ip: instance.host ?? podAddress(pod) });
    }
    if (!instance.host) pod++;
  }
  return out;
}
