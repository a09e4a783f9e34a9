import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Debian `etcd-server` package installs it here; CI installs it as well. */
export const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 15_000;

export interface EtcdServer {
  /** `http://127.0.0.1:<port>`, stable across restarts. */
  readonly endpoint: string;
  readonly clientPort: number;
  readonly dataDir: string;
  /** True between a (re)start and a stop/kill. */
  running(): boolean;
  /** SIGTERM, resolves once the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL, resolves once the process has exited. */
  kill(): Promise<void>;
  /** SIGSTOP: etcd freezes with its connections open (no error reaches clients). */
  pause(): Promise<void>;
  /** SIGCONT after pause(). */
  resume(): Promise<void>;
  /** Starts it again on the same ports and data dir; resolves once it serves. */
  restart(): Promise<void>;
  /** Stops it and removes the data dir. */
  dispose(): Promise<void>;
  /** Everything etcd printed (for failure messages). */
  output(): string;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; released before use). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, HOST);
  await once(srv, 'listening');
  const addr = srv.address();
  srv.close();
  await once(srv, 'close');
  if (addr === null || typeof addr === 'string')
    throw new Error('no port from the OS');
  return addr.port;
}

function assertBinary(): void {
  try {
    accessSync(ETCD_BIN, constants.X_OK);
  } catch {
    throw new Error(
      `etcd binary not found at ${ETCD_BIN}: install it (Debian: apt-get install etcd-server) or set ETCD_BIN`,
    );
  }
}

/**
 * Starts a single-member etcd on 127.0.0.1 with random free client and peer
 * ports and a fresh temp data dir. Resolves once `/health` answers healthy.
 */
export async function startEtcd(): Promise<EtcdServer> {
  assertBinary();
  const dataDir = mkdtempSync(join(tmpdir(), 'motor-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `http://${HOST}:${clientPort}`;
  const peer = `http://${HOST}:${peerPort}`;
  const args = [
    '--name',
    'motor-test',
    '--data-dir',
    dataDir,
    '--listen-client-urls',
    endpoint,
    '--advertise-client-urls',
    endpoint,
    '--listen-peer-urls',
    peer,
    '--initial-advertise-peer-urls',
    peer,
    '--initial-cluster',
    `motor-test=${peer}`,
    '--logger',
    'zap',
    '--log-level',
    'warn',
  ];
  let text = '';
  let child: ChildProcess | null = null;
  let exited: Promise<unknown> = Promise.resolve();

  const launch = async (): Promise<void> => {
    const proc = spawn(ETCD_BIN, args, {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    exited = once(proc, 'exit');
    let gone = false;
    void exited.then(() => {
      gone = true;
      if (child === proc) child = null;
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (gone) throw new Error(`etcd exited before serving:\n${text}`);
      if (await healthy(endpoint)) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(
          `etcd not healthy within ${READY_TIMEOUT_MS} ms:\n${text}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (proc === null) return;
    const done = exited;
    proc.kill(sig);
    await done;
  };

  await launch();
  return {
    endpoint,
    clientPort,
    dataDir,
    running: () => child !== null,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    pause: () => {
      (child as ChildProcess | null)?.kill('SIGSTOP');
      return Promise.resolve();
    },
    resume: () => {
      (child as ChildProcess | null)?.kill('SIGCONT');
      return Promise.resolve();
    },
    restart: async () => {
      await signal('SIGTERM');
      await launch();
    },
    dispose: async () => {
      await signal('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
    output: () => text,
  };
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, {
      signal: AbortSignal.timeout(1000),
    });
    if (!res.ok) return false;
    const body = (await res.json()) as { health?: unknown };
    return body.health === 'true';
  } catch {
    return false;
  }
}
