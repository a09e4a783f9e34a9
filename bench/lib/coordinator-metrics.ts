import { httpGet } from './http-client.js';
import { processCpuSeconds, sampleValue, threadCpuSeconds } from './proc.js';

const P = 'motor_coordinator_';

export interface SelfSample {
  at: number;
  cycles: number;
  cycleSecondsSum: number;
  cycleSecondsCount: number;
  /** Cycles that took at most 3 s (histogram bucket le="3"). */
  cyclesWithin3s: number;
  scrapeFailures: number;
  eventLoopP99: number;
  eventLoopMax: number;
  cpuSeconds: number;
  mainThreadCpuSeconds: number;
  workerThreadCpuSeconds: number;
}

// The smallest view (no union instances in the bench fleet): the body is
// mostly the coordinator's own metrics, so polling costs it next to nothing.
const SELF_VIEW = '/metrics?type=role&role=union';

/**
 * The coordinator's own metrics plus its CPU time (read right after). Reading
 * them resets prom-client's event-loop histogram: each sample's
 * `eventLoopP99`/`eventLoopMax` cover the time since the previous read.
 */
export async function readSelf(obs: string, pid: number): Promise<SelfSample> {
  const res = await httpGet(obs + SELF_VIEW, { timeoutMs: 10_000 });
  const text = res.body?.toString('utf8') ?? '';
  if (res.status !== 200) throw new Error(`GET ${SELF_VIEW}: ${res.status}`);
  const bucket =
    /^motor_coordinator_scrape_cycle_seconds_bucket\{le="3"\} (\S+)/m.exec(
      text,
    );
  return {
    at: performance.now(),
    cycles: sampleValue(text, `${P}scrape_cycles_total`),
    cycleSecondsSum: sampleValue(text, `${P}scrape_cycle_seconds_sum`),
    cycleSecondsCount: sampleValue(text, `${P}scrape_cycle_seconds_count`),
    cyclesWithin3s: bucket ? Number(bucket[1]) : Number.NaN,
    scrapeFailures: sampleValue(text, `${P}scrape_failures_total`),
    eventLoopP99: sampleValue(text, `${P}nodejs_eventloop_lag_p99_seconds`),
    eventLoopMax: sampleValue(text, `${P}nodejs_eventloop_lag_max_seconds`),
    cpuSeconds: processCpuSeconds(pid),
    mainThreadCpuSeconds: threadCpuSeconds(pid, pid),
    workerThreadCpuSeconds: sampleValue(
      text,
      `${P}digest_thread_cpu_seconds_total`,
    ),
  };
}

/** Polls every `everyMs` until `cycles >= target`; the sample is taken right after that cycle ended. */
export async function waitForCycles(
  obs: string,
  pid: number,
  target: number,
  timeoutMs: number,
  everyMs = 500,
): Promise<SelfSample> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const s = await readSelf(obs, pid);
    if (s.cycles >= target) return s;
    if (performance.now() > deadline) {
      throw new Error(
        `coordinator: ${s.cycles} cycles, ${target} not reached in ${timeoutMs} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
