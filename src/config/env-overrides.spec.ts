import { readFileSync } from 'node:fs';
import { ENV_OVERRIDES } from './env-overrides.js';

describe('documentation of the configuration', () => {
  const envExample = readFileSync('.env.example', 'utf8');
  const readme = readFileSync('README.md', 'utf8');

  it('.env.example and the README name every env override, and nothing else', () => {
    const listed = new Set(
      [...envExample.matchAll(/^#?\s*(COORDINATOR_[A-Z_]+)=/gm)].map(
        (m) => m[1],
      ),
    );
    const byName = (a: string | undefined, b: string | undefined) =>
      (a ?? '').localeCompare(b ?? '');
    expect([...listed].sort(byName)).toEqual(
      ENV_OVERRIDES.map((o) => o.env).sort(byName),
    );
    for (const o of ENV_OVERRIDES) {
      expect(readme, o.env).toContain(o.env);
      expect(readme, `${o.section}.${o.key}`).toMatch(
        new RegExp(`${o.section}\\.[\`a-z_, ]*${o.key}`),
      );
    }
  });
});
