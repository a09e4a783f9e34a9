import type { Agent } from 'node:http';
import { httpGet } from './http-client.js';

export interface FloorPass {
  cpuSeconds: number;
  wallSeconds: number;
  /** Decompressed text. */
  textBytes: number;
  /** As transferred. */
  wireBytes: number;
  lines: number;
  failures: number;
}

/**
 * The least any scraper must do per cycle: fetch every page over keep-alive
 * sockets, as the coordinator does (`concurrency` at once, gzip only when
 * the coordinator asks for it too), decompress, decode and split into lines.
 * CPU of this whole process.
 */
export async function floorPass(
  urls: readonly string[],
  concurrency: number,
  agent: Agent,
  gzip: boolean,
): Promise<FloorPass> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  let textBytes = 0;
  let wireBytes = 0;
  let lines = 0;
  let failures = 0;
  const lane = async (): Promise<void> => {
    while (next < urls.length) {
      const url = urls[next++]!;
      try {
        const res = await httpGet(url, {
          agent,
          gunzip: gzip,
          headers: { 'Accept-Encoding': gzip ? 'gzip' : 'identity' },
          timeoutMs: 10_000,
        });
        if (res.status !== 200 || !res.body) {
          failures++;
          continue;
        }
        textBytes += res.bytes;
        wireBytes += res.wireBytes;
        lines += res.body.toString('utf8').split('\n').length;
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(concurrency, urls.length) }, lane),
  );
  const cpu = process.cpuUsage(cpu0);
  return {
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds: (performance.now() - t0) / 1000,
    textBytes,
    wireBytes,
    lines,
    failures,
  };
}
