import type { FleetInstanceSpec } from '../../src/simulator/index.js';

/**
 * The fleet shape for N endpoints: half prefill instances of 8 DP ranks (one
 * pod each), half decode instances of 32 DP ranks (16 below N = 512) over pods
 * of 16 ranks. N = 2048 gives 128 prefill + 32 decode instances on 192 pod
 * addresses (127.0.0.2 …).
 */
export function fleetLayout(endpoints: number): FleetInstanceSpec[] {
  const decodeEndpoints = Math.floor(endpoints / 2);
  const prefillEndpoints = endpoints - decodeEndpoints;
  const decodeRanks = endpoints >= 512 ? 32 : 16;
  const instances: FleetInstanceSpec[] = [];
  let id = 0;
  const add = (
    role: 'prefill' | 'decode',
    total: number,
    ranks: number,
    perHost: number,
  ): void => {
    for (let left = total; left > 0; left -= ranks) {
      instances.push({
        id: id++,
        role,
        dpRanks: Math.min(ranks, left),
        ranksPerHost: perHost,
      });
    }
  };
  add('prefill', prefillEndpoints, 8, 8);
  add('decode', decodeEndpoints, decodeRanks, 16);
  return instances;
}
