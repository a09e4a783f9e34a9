import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startHarness, type Harness } from '../support/app-harness.js';

/**
 * Both ports' OpenAPI documents, as a booted service serves them at
 * /docs-json, linted by Redocly with its recommended ruleset: no errors.
 */

const REDOCLY = resolve(process.cwd(), 'node_modules/.bin/redocly');
const run = promisify(execFile);

interface Problem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location?: { pointer?: string }[];
}

async function lint(dir: string, file: string): Promise<Problem[]> {
  const args = ['lint', file, '--format=json', '--config', 'redocly.yaml'];
  const env = {
    ...process.env,
    REDOCLY_TELEMETRY: 'off',
    REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  };
  let stdout: string;
  try {
    ({ stdout } = await run(REDOCLY, args, { cwd: dir, env }));
  } catch (err) {
    // Exit code 1 when there are errors; the report is still on stdout.
    stdout = (err as { stdout?: string }).stdout ?? '';
    if (stdout === '') throw err;
  }
  return (JSON.parse(stdout) as { problems: Problem[] }).problems;
}

describe('OpenAPI documents of both ports', () => {
  let h: Harness;
  let dir: string;

  beforeAll(async () => {
    h = await startHarness();
    dir = mkdtempSync(join(tmpdir(), 'motor-openapi-'));
    writeFileSync(join(dir, 'redocly.yaml'), 'extends:\n  - recommended\n');
  });
  afterAll(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(['management', 'observability'] as const)(
    '%s: Redocly recommended ruleset, 0 errors',
    async (port) => {
      const base = port === 'management' ? h.mgmt : h.obs;
      const res = await fetch(`${base}/docs-json`);
      expect(res.status).toBe(200);
      const file = `${port}.json`;
      writeFileSync(join(dir, file), await res.text());
      const problems = await lint(dir, file);
      const errors = problems
        .filter((p) => p.severity === 'error')
        .map(
          (p) => `${p.ruleId} ${p.location?.[0]?.pointer ?? ''}: ${p.message}`,
        );
      expect(errors).toEqual([]);
    },
    60_000,
  );

  it('declares the security of each route, and typed bodies', async () => {
    const mgmt = (await (await fetch(`${h.mgmt}/docs-json`)).json()) as Doc;
    const obs = (await (await fetch(`${h.obs}/docs-json`)).json()) as Doc;
    expect(Object.keys(mgmt.components.securitySchemes).sort()).toEqual([
      'api-key',
      'api-key-bearer',
    ]);
    expect(obs.components.securitySchemes).toEqual({
      'metrics-bearer': expect.objectContaining({
        type: 'http',
        scheme: 'bearer',
      }),
    });
    for (const probe of ['/startup', '/liveness', '/readiness', '/'])
      expect(mgmt.paths[probe]!.get!.security).toEqual([]);
    expect(obs.paths['/health']!.get!.security).toEqual([]);
    // Either scheme will do (alternatives of one requirement list).
    expect(mgmt.paths['/instances']!.get!.security).toEqual(
      expect.arrayContaining([{ 'api-key': [] }, { 'api-key-bearer': [] }]),
    );
    expect(mgmt.paths['/instances']!.get!.security).toHaveLength(2);
    const metrics = obs.paths['/metrics']!.get!;
    expect(metrics.security).toEqual([{ 'metrics-bearer': [] }]);
    expect(
      (metrics.parameters ?? []).map((p) => `${p.in}:${p.name}`).sort(),
    ).toEqual(['query:format', 'query:role', 'query:type']);
    expect(Object.keys(metrics.responses).sort()).toEqual([
      '200',
      '400',
      '401',
    ]);
    const refresh = mgmt.paths['/instances/refresh']!.post!;
    expect(Object.keys(refresh.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '413',
      '415',
      '503',
    ]);
    for (const probe of ['/startup', '/liveness', '/readiness'])
      expect(mgmt.paths[probe]!.get!.responses['503']).toBeDefined();
    expect(obs.paths['/health']!.get!.responses['503']).toBeDefined();
    const schemas = mgmt.components.schemas;
    expect(
      mgmt.paths['/instances']!.get!.responses['200']!.content![
        'application/json'
      ]!.schema,
    ).toEqual({ $ref: '#/components/schemas/InstanceListDto' });
    expect(schemas.InstanceViewDto!.properties!.id).toMatchObject({
      type: 'integer',
    });
    expect(schemas.EndpointViewDto!.properties!.mgmt_port).toMatchObject({
      type: 'integer',
    });
    expect(schemas.InstanceDto!.properties!.id).toMatchObject({
      type: 'integer',
    });
    expect(schemas.ErrorBodyDto!.required).toEqual(['status', 'message']);
  });
});

interface Operation {
  security?: unknown[];
  parameters?: { in: string; name: string }[];
  responses: Record<
    string,
    { content?: Record<string, { schema?: unknown }> } | undefined
  >;
}
interface Doc {
  paths: Record<string, Partial<Record<'get' | 'post', Operation>>>;
  components: {
    securitySchemes: Record<string, unknown>;
    schemas: Record<
      string,
      { properties?: Record<string, unknown>; required?: string[] }
    >;
  };
}
