import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InstanceRef } from '../../src/scrape/scrape.types.js';
import type { PipelineOptions } from '../../src/pipeline/pipeline.types.js';
import type { CyclePlan } from '../../src/pipeline/run-cycle.js';
import type { ScrapeTarget } from '../../src/scrape/targets.js';
import { readFixture, SYNTHETIC_PAGE } from './fixtures.js';

/**
 * Three loopback endpoints for a pipeline test: two engines answering real
 * fixture pages (instance 1 prefill, instance 2 decode) and one answering
 * HTTP 500 (instance 3 union), so a cycle has exactly one failure.
 */
export interface PlanServers {
  readonly targets: readonly ScrapeTarget[];
  readonly instances: readonly InstanceRef[];
  plan(startedAt: number): CyclePlan;
  close(): Promise<void>;
}

export const PIPELINE_OPTIONS: PipelineOptions = {
  fetch: { timeoutMs: 5000, maxBytes: 1 << 22, maxSockets: 2, gzip: false },
  staleAfterMs: 60_000,
  concurrency: 2,
  maxPageBytes: 1 << 22,
};

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
}

export async function startPlanServers(): Promise<PlanServers> {
  const pages = [
    readFixture(SYNTHETIC_PAGE),
    readFixture('mindie-service-qwen2.5-0.5b-gpustack-1785.prom'),
  ];
  const servers = [
    ...pages.map((page) => createServer((_req, res) => res.end(page))),
    createServer((_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    }),
  ];
  const urls = await Promise.all(servers.map(listen));
  const roles = ['prefill', 'decode', 'union'] as const;
  const targets: ScrapeTarget[] = urls.map((url, i) => ({
    ref: {
      key: `${i + 1}|127.0.0.1|0`,
      instanceId: i + 1,
      role: roles[i]!,
      podIp: '127.0.0.1',
      dpRank: 0,
    },
    url,
  }));
  const instances: InstanceRef[] = targets.map((t) => ({
    id: t.ref.instanceId,
    role: t.ref.role,
    paused: false,
  }));
  return {
    targets,
    instances,
    plan: (startedAt) => ({ startedAt, targets, instances }),
    close: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((r) => {
              s.closeAllConnections();
              s.close(() => r());
            }),
        ),
      ).then(() => undefined),
  };
}

/** The series of a Prometheus text body (name and labels, values dropped), in order. */
export function seriesOf(body: Uint8Array): string[] {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.slice(0, line.lastIndexOf(' ')));
}
