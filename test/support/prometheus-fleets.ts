import { startFleet, type Fleet } from '../../src/simulator/fleet.js';
import { vectorSelectors } from './promql-scan.js';

/**
 * The simulated fleets the Prometheus system test runs against, with what
 * each cannot show (panels without data, families the coordinator misses).
 */

/**
 * Canonical families the coordinator does not serve today on a fleet
 * although its table says it should, with the reason (`FleetCase.gaps`).
 * Each entry is asserted to be still missing (and served by the rules), so a
 * fix makes this test fail until the entry goes. None today (the vLLM
 * inter-token family, once missing when a page also printed its deprecated
 * alias, is served since the data path fixed the alias rule).
 */
export const gapIn =
  (gaps: Readonly<Record<string, string>>) =>
  (expr: string): string | undefined =>
    Object.keys(gaps).find((f) =>
      vectorSelectors(expr).some(
        (s) => s.name === f || s.name.startsWith(`${f}_`),
      ),
    );

/**
 * One fleet the whole suite runs against. Today the simulator serves vLLM
 * pages only; SGLang-only and mixed (vLLM + SGLang + MindIE) fleets are
 * further entries here once it serves those page shapes (see the README,
 * "Recording rules: past one coordinator", for what to add).
 */
export interface FleetCase {
  readonly name: string;
  start(): Promise<Fleet>;
  /**
   * Dashboard panel titles and alert names that have no data with this
   * fleet's engines, each with the reason (e.g. SGLang and MindIE report no
   * queue-time histogram, SGLang no preemptions counter).
   */
  readonly noData?: Readonly<Record<string, string>>;
  /** Canonical families the coordinator misses on this fleet (see `gapIn`). */
  readonly gaps?: Readonly<Record<string, string>>;
}

const NO_QUEUE_TIME = 'SGLang and MindIE report no queue-time histogram';
export const FLEETS: readonly FleetCase[] = [
  {
    name: 'vLLM: 1 prefill, 2 decode instances, 4 endpoints',
    start: () =>
      startFleet({
        instances: [
          { id: 1, role: 'prefill', dpRanks: 1 },
          { id: 2, role: 'decode', dpRanks: 1 },
          { id: 3, role: 'decode', dpRanks: 2 },
        ],
        seed: 7,
        warmupSeconds: 120,
      }),
  },
  {
    name: 'SGLang: 1 prefill, 2 decode instances, 4 endpoints',
    start: () =>
      startFleet({
        kind: 'sglang',
        instances: [
          { id: 1, role: 'prefill', dpRanks: 1 },
          { id: 2, role: 'decode', dpRanks: 1 },
          { id: 3, role: 'decode', dpRanks: 2 },
        ],
        seed: 8,
        warmupSeconds: 120,
      }),
    noData: {
      'Queue time': NO_QUEUE_TIME,
      Preemptions: 'SGLang reports no preemptions counter',
      'Finished requests by reason':
        'SGLang reports no finished-requests counter',
    },
  },
  {
    name: 'mixed: vLLM prefill, SGLang and MindIE decode, one model',
    start: () =>
      startFleet({
        instances: [
          { id: 1, role: 'prefill', dpRanks: 1, kind: 'vllm' },
          { id: 2, role: 'decode', dpRanks: 1, kind: 'sglang' },
          { id: 3, role: 'decode', dpRanks: 2, kind: 'mindie' },
        ],
        seed: 9,
        warmupSeconds: 120,
      }),
  },
];

/** The registry model of an endpoint (per endpoint where a fleet mixes models). */
export function modelOf(fleet: Fleet, e: Fleet['endpoints'][number]): string {
  return (e as { modelName?: string }).modelName ?? fleet.modelName;
}
