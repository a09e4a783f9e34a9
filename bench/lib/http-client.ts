import { Agent, request } from 'node:http';
import { createGunzip } from 'node:zlib';
import type { LatencySummary } from './stats.js';
import { summarize } from './stats.js';

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Body bytes as received (still compressed if the server compressed). */
  wireBytes: number;
  /** The (decompressed) body, unless `discard` was asked. */
  body?: Buffer;
  /** Decompressed body length. */
  bytes: number;
}

export interface GetOptions {
  agent?: Agent;
  headers?: Record<string, string>;
  /** Count the bytes, keep nothing. */
  discard?: boolean;
  /** Decompress a gzip body. */
  gunzip?: boolean;
  timeoutMs?: number;
  method?: string;
  payload?: Buffer | string;
}

/** One HTTP/1.1 request over `agent`; resolves once the whole body is read. */
export function httpGet(url: string, opts: GetOptions = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent: opts.agent,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        let wireBytes = 0;
        let bytes = 0;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          wireBytes += c.length;
        });
        const gz = opts.gunzip && res.headers['content-encoding'] === 'gzip';
        const stream = gz ? res.pipe(createGunzip()) : res;
        stream.on('data', (c: Buffer) => {
          bytes += c.length;
          if (!opts.discard) chunks.push(c);
        });
        stream.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            wireBytes,
            bytes,
            body: opts.discard ? undefined : Buffer.concat(chunks),
          }),
        );
        stream.on('error', reject);
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end(opts.payload);
  });
}

export function keepAliveAgent(sockets: number): Agent {
  return new Agent({
    keepAlive: true,
    maxSockets: sockets,
    maxFreeSockets: sockets,
    scheduling: 'lifo',
  });
}

export interface LoadResult extends LatencySummary {
  /** Response size (of the first answer). */
  bytes: number;
  seconds: number;
  requestsPerSecond: number;
}

/**
 * `concurrency` keep-alive clients each sending one GET after another, until
 * `requests` were sent or `maxMs` passed. Latency = request start to last body byte.
 */
export async function loadTest(
  url: string,
  concurrency: number,
  requests: number,
  maxMs: number,
): Promise<LoadResult> {
  const agent = keepAliveAgent(concurrency);
  const latencies: number[] = [];
  let errors = 0;
  let issued = 0;
  let bytes = 0;
  const started = performance.now();
  const deadline = started + maxMs;
  const lane = async (): Promise<void> => {
    while (issued < requests && performance.now() < deadline) {
      issued++;
      const t0 = performance.now();
      try {
        const res = await httpGet(url, { agent, discard: true });
        if (res.status !== 200) errors++;
        else {
          latencies.push(performance.now() - t0);
          bytes ||= res.bytes;
        }
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    ...summarize(latencies, errors),
    bytes,
    seconds,
    requestsPerSecond: latencies.length / seconds,
  };
}

export interface ProbeTarget {
  name: string;
  url: string;
}

/**
 * Every `intervalMs` for `durationMs`: one GET to each target, one after the
 * other, each over its own keep-alive socket. Returns the latencies per target.
 */
export async function probeLoop(
  targets: readonly ProbeTarget[],
  intervalMs: number,
  durationMs: number,
): Promise<Record<string, LatencySummary>> {
  const agents = targets.map(() => keepAliveAgent(1));
  const latencies = targets.map((): number[] => []);
  const errors = targets.map(() => 0);
  const started = performance.now();
  const rounds = Math.floor(durationMs / intervalMs);
  for (let k = 0; k < rounds; k++) {
    const due = started + k * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (performance.now() > started + durationMs + 5_000) break;
    for (let i = 0; i < targets.length; i++) {
      const t0 = performance.now();
      try {
        const res = await httpGet(targets[i]!.url, {
          agent: agents[i],
          discard: true,
          timeoutMs: 5_000,
        });
        if (res.status === 200) latencies[i]!.push(performance.now() - t0);
        else errors[i]!++;
      } catch {
        errors[i]!++;
      }
    }
  }
  for (const a of agents) a.destroy();
  return Object.fromEntries(
    targets.map((t, i) => [t.name, summarize(latencies[i]!, errors[i]!)]),
  );
}
