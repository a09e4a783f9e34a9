/**
 * The simulated engine fleet of the cycle benchmark, in a process of its own:
 * `node dist-bench/bench/fleet-process.js <N>`. N vLLM V1 engine endpoints on
 * 127.0.0.2 … (see fleet-layout.ts); every engine's values advance once per
 * second, the ticks spread over the second in slices so that no single tick
 * of the whole fleet stalls the servers.
 *
 * stdout, once everything listens: line 1 the POST /instances/refresh body
 * (event `set`), line 2 `{"floor":"http://127.0.0.1:P"}` (floor-server.ts).
 * Stops on SIGTERM/SIGINT, or when its stdin closes (the parent is gone).
 */
import { Worker } from 'node:worker_threads';
import { startFleet } from '../src/simulator/index.js';
import { fleetLayout } from './lib/fleet-layout.js';

const TICK_SLICES = 20;

const endpoints = Number(process.argv[2] ?? '64');
if (!Number.isInteger(endpoints) || endpoints < 2) {
  process.stderr.write('usage: fleet-process.js <endpoints>=2..\n');
  process.exit(2);
}

const fleet = await startFleet({
  modelName: 'deepseek-ai/DeepSeek-V3',
  seed: 42,
  warmupSeconds: 60,
  instances: fleetLayout(endpoints),
});

const all = fleet.endpoints;
let slice = 0;
const ticker = setInterval(() => {
  for (let i = slice; i < all.length; i += TICK_SLICES) all[i]?.engine.tick(1);
  slice = (slice + 1) % TICK_SLICES;
}, 1000 / TICK_SLICES);

const floor = new Worker(new URL('./floor-server.js', import.meta.url));
const floorPort = await new Promise<number>((resolve, reject) => {
  floor.once('message', (m: { port: number }) => resolve(m.port));
  floor.once('error', reject);
});

process.stdout.write(JSON.stringify(fleet.refreshBody('set')) + '\n');
process.stdout.write(
  JSON.stringify({ floor: `http://127.0.0.1:${floorPort}` }) + '\n',
);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  clearInterval(ticker);
  floor.postMessage('close');
  const hard = setTimeout(() => process.exit(0), 5000);
  hard.unref();
  void fleet.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
