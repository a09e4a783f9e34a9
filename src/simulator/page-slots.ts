/**
 * Where each series of a vLLM V1 page keeps its value in the engine's value
 * array. The traffic model writes these slots; every page kind reads them.
 */
/** Slot positions of one histogram: `buckets` consecutive cumulative buckets (`+Inf` last), then count, sum. */
export interface HistogramSlots {
  readonly bucket0: number;
  readonly buckets: number;
  readonly bounds: readonly number[];
  readonly count: number;
  readonly sum: number;
  readonly created: number;
}

/** Where each series' value lives in the engine's value array (identical for every page). */
export interface PageSlots {
  readonly gcCollected: number;
  readonly gcUncollectable: number;
  readonly gcCollections: number;
  readonly virtualMemory: number;
  readonly residentMemory: number;
  readonly startTime: number;
  readonly cpuSeconds: number;
  readonly openFds: number;
  readonly maxFds: number;
  readonly running: number;
  readonly waiting: number;
  readonly sleepState: number;
  readonly kvUsage: number;
  readonly counters: readonly number[];
  readonly requestSuccess: number;
  readonly histograms: readonly HistogramSlots[];
  readonly httpRequests: number;
  readonly httpRequestSize: readonly { count: number; sum: number }[];
  readonly httpResponseSize: readonly { count: number; sum: number }[];
  readonly httpHighr: HistogramSlots;
  readonly httpDuration: readonly HistogramSlots[];
  /** Every `_created` slot of a vllm family. */
  readonly vllmCreated: readonly number[];
  /** Every `_created` slot of an http family. */
  readonly httpCreated: readonly number[];
  readonly size: number;
}
