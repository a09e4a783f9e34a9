import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'motor-config-'));

/** A path in that folder where no file is written. */
export const missingFile = (name: string): string => join(dir, name);

/** Writes a config file (JSON unless given as text) into a temp folder; its path. */
export function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    typeof content === 'string' ? content : JSON.stringify(content),
  );
  return path;
}

/** The config loader with these arguments and this environment only. */
export const load = (argv: string[] = [], env: Record<string, string> = {}) =>
  loadConfig({ argv, env });

/** The one-line message of the ConfigError the loader must throw. */
export const fails = (
  argv: string[],
  env: Record<string, string> = {},
): string => {
  try {
    load(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a ConfigError');
};
