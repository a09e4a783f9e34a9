import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './repo-root.js';

/** The repository's Dockerfile read as instructions, as `docker build` sees them. */

/** Dockerfile instructions (comments and continuations handled). */
export function dockerfile(): { op: string; args: string }[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

/** The runtime stage's ENV (KEY=value pairs, no spaces inside values). */
export function imageEnv(): Record<string, string> {
  const steps = dockerfile();
  const lastFrom = steps.map((s) => s.op).lastIndexOf('FROM');
  const env: Record<string, string> = {};
  for (const s of steps.slice(lastFrom).filter((s) => s.op === 'ENV')) {
    for (const pair of s.args.split(/\s+/)) {
      const i = pair.indexOf('=');
      env[pair.slice(0, i)] = pair.slice(i + 1);
    }
  }
  return env;
}

/** Base image references of every stage, ARG defaults substituted. */
export function baseImages(): string[] {
  const steps = dockerfile();
  const args: Record<string, string> = {};
  for (const s of steps.filter((s) => s.op === 'ARG')) {
    const [k, v] = s.args.split('=', 2);
    if (v !== undefined) args[k!] = v;
  }
  return steps
    .filter((s) => s.op === 'FROM')
    .map((s) =>
      s.args
        .split(/\s+/)[0]!
        .replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args[a ?? b] ?? ''),
    );
}
