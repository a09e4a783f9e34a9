/**
 * Which HTTP client the scraper uses, weighed on the real fleet:
 * `node dist-bench/bench/scrape-clients.js [--endpoints=2048] [--passes=5]`.
 * Each client fetches every page of N simulated endpoints (keep-alive, 128 at
 * once, whole body into one buffer, no decompression) with and without gzip;
 * the table gives this process's CPU per pass (all threads) and wall time.
 */
import axios from 'axios';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as UndiciAgent, request as undiciRequest } from 'undici';
import { startFleetProcess, stopChild } from './lib/children.js';
import { scrapeUrls } from './lib/parts.js';
import { mean } from './lib/stats.js';

function option(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return Number(hit ? hit.slice(name.length + 3) : fallback);
}

const endpoints = option('endpoints', 2048);
const passes = option('passes', 5);
const CONCURRENCY = 128;

type Fetch = (url: string, gzip: boolean) => Promise<number>;

interface Client {
  name: string;
  make(): { fetch: Fetch; close(): Promise<void> | void };
}

const headers = (gzip: boolean): Record<string, string> => ({
  Accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1',
  'Accept-Encoding': gzip ? 'gzip' : 'identity',
});

/** The scraper's agent settings. */
const keepAliveAgent = (): HttpAgent =>
  new HttpAgent({
    keepAlive: true,
    maxSockets: CONCURRENCY,
    scheduling: 'lifo',
  });

const clients: Client[] = [
  {
    name: 'axios (as @nestjs/axios)',
    make() {
      const agent = keepAliveAgent();
      return {
        async fetch(url, gzip) {
          const res = await axios.get<Buffer>(url, {
            httpAgent: agent,
            responseType: 'arraybuffer',
            timeout: 10_000,
            signal: AbortSignal.timeout(10_000),
            maxContentLength: 64 << 20,
            maxRedirects: 0,
            decompress: false,
            headers: headers(gzip),
            validateStatus: () => true,
          });
          return res.data.byteLength;
        },
        close: () => agent.destroy(),
      };
    },
  },
  {
    name: 'node:http',
    make() {
      const agent = keepAliveAgent();
      return {
        fetch: (url, gzip) =>
          new Promise((resolve, reject) => {
            const req = httpRequest(
              url,
              { agent, headers: headers(gzip), timeout: 10_000 },
              (res) => {
                const chunks: Buffer[] = [];
                res.on('data', (c: Buffer) => chunks.push(c));
                res.on('end', () => resolve(Buffer.concat(chunks).byteLength));
                res.on('error', reject);
              },
            );
            req.on('error', reject);
            req.end();
          }),
        close: () => agent.destroy(),
      };
    },
  },
  {
    name: 'undici',
    make() {
      const dispatcher = new UndiciAgent({
        connections: 1,
        keepAliveTimeout: 30_000,
      });
      return {
        async fetch(url, gzip) {
          const res = await undiciRequest(url, {
            dispatcher,
            headers: headers(gzip),
            headersTimeout: 10_000,
            bodyTimeout: 10_000,
          });
          const chunks: Buffer[] = [];
          for await (const c of res.body) chunks.push(c as Buffer);
          return Buffer.concat(chunks).byteLength;
        },
        close: () => dispatcher.close(),
      };
    },
  },
];

async function pass(
  urls: readonly string[],
  fetch: Fetch,
  gzip: boolean,
): Promise<{ cpu: number; wall: number; bytes: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  let bytes = 0;
  const lane = async (): Promise<void> => {
    while (next < urls.length) {
      const n = await fetch(urls[next++]!, gzip);
      bytes += n;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  const cpu = process.cpuUsage(cpu0);
  return {
    cpu: (cpu.user + cpu.system) / 1e6,
    wall: (performance.now() - t0) / 1000,
    bytes,
  };
}

const fleet = await startFleetProcess(endpoints);
try {
  const urls = scrapeUrls(fleet.refreshBody);
  process.stdout.write(
    `${urls.length} pages per pass, ${CONCURRENCY} at once; mean of ${passes} passes after one warm-up\n` +
      `client                     encoding  MB/pass  CPU s/pass  wall s/pass\n`,
  );
  for (const gzip of [false, true]) {
    for (const c of clients) {
      const client = c.make();
      await pass(urls, client.fetch, gzip);
      const runs = [];
      for (let i = 0; i < passes; i++)
        runs.push(await pass(urls, client.fetch, gzip));
      await client.close();
      process.stdout.write(
        `${c.name.padEnd(27)}${(gzip ? 'gzip' : 'identity').padEnd(10)}` +
          `${(mean(runs.map((r) => r.bytes)) / 1e6).toFixed(1).padStart(7)}` +
          `${mean(runs.map((r) => r.cpu))
            .toFixed(3)
            .padStart(12)}` +
          `${mean(runs.map((r) => r.wall))
            .toFixed(3)
            .padStart(13)}\n`,
      );
    }
  }
} finally {
  await stopChild(fleet.child);
}
