import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';

export const MAIN_JS = resolve(process.cwd(), 'dist/main.js');

export interface Service {
  readonly child: ChildProcess;
  /** Resolves with the first stdout/stderr line matching `pattern`. */
  waitForLine(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  output(): string;
}

/** Runs the built service (`npm run build` first; `npm test` does it). */
export function spawnService(
  args: string[],
  env: Record<string, string>,
): Service {
  if (!existsSync(MAIN_JS))
    throw new Error(`${MAIN_JS} is missing: run npm run build`);
  const child = spawn(process.execPath, [MAIN_JS, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] =
    [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    waiters = waiters.filter((w) => {
      const m = text.match(w.pattern);
      if (m) w.resolve(m);
      return m === null;
    });
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    exited,
    output: () => text,
    waitForLine(pattern) {
      const m = text.match(pattern);
      if (m) return Promise.resolve(m);
      return new Promise((resolveLine, reject) => {
        waiters.push({ pattern, resolve: resolveLine });
        void exited.then((code) =>
          reject(new Error(`exited (${code}) before ${pattern}: ${text}`)),
        );
      });
    },
  };
}
