import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SRC_MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const FLEET = fileURLToPath(new URL('../fleet-process.js', import.meta.url));

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopChild(
  child: ChildProcess,
  graceMs = 10_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/** Resolves with the first `count` stdout lines, rejects on early exit or after `timeoutMs`. */
function firstLines(
  child: ChildProcess,
  count: number,
  timeoutMs: number,
  what: string,
  match?: RegExp,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(
      () => reject(new Error(`${what}: not ready after ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(
        new Error(
          `${what} exited early (code ${code}): ${lines.slice(-5).join(' | ')}`,
        ),
      );
    };
    child.once('exit', onExit);
    rl.on('line', (line) => {
      if (lines.length >= count) return;
      if (match && !match.test(line)) return;
      lines.push(line);
      if (lines.length === count) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(lines);
      }
    });
  });
}

export interface FleetProcess {
  child: ChildProcess;
  refreshBody: string;
  floorUrl: string;
}

export async function startFleetProcess(
  endpoints: number,
): Promise<FleetProcess> {
  const child = track(
    spawn(process.execPath, [FLEET, String(endpoints)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const [refreshBody = '', floorLine = '{}'] = await firstLines(
    child,
    2,
    120_000,
    'fleet',
  );
  const { floor } = JSON.parse(floorLine) as { floor: string };
  return { child, refreshBody, floorUrl: floor };
}

export interface CoordinatorProcess {
  child: ChildProcess;
  pid: number;
  mgmt: string;
  obs: string;
}

const URLS =
  /management on (http:\/\/\S+), observability on (http:\/\/[^\s,]+)/;

/** The coordinator as shipped (`src/main.js` of this build), configured through env only. */
export async function startCoordinator(
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
  entry: string = SRC_MAIN,
): Promise<CoordinatorProcess> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      k.startsWith('COORDINATOR_') ||
      k === 'MOTOR_COORDINATOR_CONFIG' ||
      k === 'POD_IP'
    )
      continue;
    clean[k] = v;
  }
  const child = track(
    spawn(process.execPath, [...nodeArgs, entry], {
      env: { ...clean, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const [line = ''] = await firstLines(child, 1, 60_000, 'coordinator', URLS);
  const m = URLS.exec(line)!;
  // Keep draining its log so that it never blocks on a full pipe.
  child.stdout!.resume();
  return { child, pid: child.pid!, mgmt: m[1]!, obs: m[2]! };
}
