/**
 * The floors' server, a worker thread of the fleet process: answers a trivial
 * probe and serves stored byte buffers, nothing else. It runs off the fleet's
 * main thread so that the floors measure serving on this machine under the
 * same load, not the simulator's own page rendering.
 *
 *   GET /probe            200 small JSON (probe floor)
 *   PUT /static/<name>    stores the request body
 *   GET /static/<name>    200 with the stored bytes (`/metrics` floor)
 *   GET /eld              event-loop delay of this thread since the last call (JSON, ns)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';

const PROBE_BODY = Buffer.from(
  JSON.stringify({ status: 'ok', message: 'Coordinator is alive' }),
);
const statics = new Map<string, { body: Buffer; type: string }>();
// Same resolution as prom-client's default event-loop monitor.
const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (url === '/probe') {
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Length': PROBE_BODY.length,
    });
    res.end(PROBE_BODY);
    return;
  }
  if (url === '/eld') {
    const body = JSON.stringify({
      p50: eld.percentile(50),
      p99: eld.percentile(99),
      max: eld.max,
    });
    eld.reset();
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
    return;
  }
  if (url.startsWith('/static/')) {
    const name = url.slice('/static/'.length);
    if (req.method === 'PUT') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        statics.set(name, {
          body: Buffer.concat(chunks),
          type: req.headers['content-type'] ?? 'text/plain',
        });
        res.writeHead(204).end();
      });
      return;
    }
    const found = statics.get(name);
    if (found) {
      res.writeHead(200, {
        'Content-Type': found.type,
        'Cache-Control': 'no-store',
        'Content-Length': found.body.length,
      });
      res.end(found.body);
      return;
    }
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  parentPort?.postMessage({ port });
});
parentPort?.on('message', (msg: unknown) => {
  if (msg === 'close') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
