import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { ALLOWED_ENV } from '../support/app-env.js';
import { ROOT } from '../support/repo-root.js';

/** .env.example against the variables the app reads and the real loadConfig. */

describe('.env.example', () => {
  const lines = readFileSync(join(ROOT, '.env.example'), 'utf8').split('\n');
  const assignment = /^\s*(?:#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/;
  const active = Object.fromEntries(
    lines
      .filter((l) => !l.trimStart().startsWith('#'))
      .map((l) => assignment.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );

  it('lists every variable the app reads', () => {
    const listed = new Set(
      lines
        .map((l) => assignment.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => m[1]!),
    );
    for (const name of ALLOWED_ENV) {
      if (name === 'NODE_OPTIONS') continue;
      expect(listed.has(name), name).toBe(true);
    }
  });

  it('sourced in a pod, leaves the bind address to POD_IP', () => {
    expect(Object.keys(active)).not.toContain('COORDINATOR_API_HOST');
    const { config, warnings } = loadConfig({
      argv: [],
      env: { ...active, POD_IP: '127.10.2.3' },
    });
    expect(warnings).toEqual([]);
    expect(config.api_config.coordinator_api_host).toBe('127.10.2.3');
  });
});
