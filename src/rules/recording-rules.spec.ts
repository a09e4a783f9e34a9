import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import {
  CANONICAL_FAMILIES,
  CANONICAL_SOURCES,
  semanticsFor,
} from '../aggregate/metric-semantics.js';
import {
  generatedFiles,
  recordingRuleGroups,
  SGLANG_CAPACITY,
} from './recording-rules.js';

const ROOT = join(import.meta.dirname, '..', '..');
const PROM = join(ROOT, 'deploy', 'prometheus');
const run = promisify(execFile);
const rules = recordingRuleGroups()[0]!.rules;
const byRecord = new Map(rules.map((r) => [r.record, r]));

describe('recording rules compiled from the metric table', () => {
  it('deploy/prometheus holds what `npm run rules` writes now (regenerate when this fails)', () => {
    const files = generatedFiles();
    expect(readFileSync(join(PROM, 'recording-rules.yaml'), 'utf8')).toBe(
      files.operator,
    );
    expect(readFileSync(join(PROM, 'recording-rules.rules.yml'), 'utf8')).toBe(
      files.plain,
    );
    const operator = YAML.parse(files.operator) as {
      kind: string;
      spec: { groups: unknown };
    };
    expect(operator.kind).toBe('PrometheusRule');
    expect(operator.spec.groups).toEqual(
      (YAML.parse(files.plain) as { groups: unknown }).groups,
    );
  });

  it('promtool check rules accepts both files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'motor-recording-'));
    try {
      const fromOperator = join(dir, 'operator.yml');
      const operator = YAML.parse(generatedFiles().operator) as {
        spec: { groups: unknown };
      };
      writeFileSync(
        fromOperator,
        YAML.stringify({ groups: operator.spec.groups }),
      );
      for (const file of [
        fromOperator,
        join(PROM, 'recording-rules.rules.yml'),
      ]) {
        const out = await run('/usr/bin/promtool', ['check', 'rules', file]);
        expect(out.stdout).toMatch(
          new RegExp(`SUCCESS: ${rules.length} rules found`),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('promtool test rules: hand-computed scopes, aliases, weights and quantiles hold', async () => {
    const out = await run('/usr/bin/promtool', [
      'test',
      'rules',
      join(PROM, 'tests', 'recording-rules.test.yml'),
    ]);
    expect(out.stdout).toContain('SUCCESS');
  });

  it('records every canonical family, from every engine name of the table', () => {
    for (const f of CANONICAL_FAMILIES) {
      const names =
        f.type === 'counter'
          ? [`${f.name}:rate1m`, `${f.name}:sum`]
          : f.type === 'histogram'
            ? [`${f.name}_bucket:rate1m`, `${f.name}_count:sum`]
            : [f.name];
      if (f.quantiles)
        names.push(...['_p50', '_p95', '_p99', '_mean'].map((s) => f.name + s));
      if (f.maxInto) names.push(f.maxInto);
      for (const n of names) expect(byRecord.has(n), n).toBe(true);
    }
    const all = rules.map((r) => r.expr).join('\n');
    for (const [name, feed] of Object.entries(CANONICAL_SOURCES)) {
      const fam = CANONICAL_FAMILIES.find((f) => f.name === feed.family)!;
      const sel = fam.type === 'histogram' ? `${name}_bucket{` : `${name}{`;
      expect(all, name).toContain(sel);
    }
    expect(byRecord.get('motor:prompt_tokens_per_second')?.expr).toBe(
      'motor:prompt_tokens_total:rate1m',
    );
    expect(byRecord.has('motor:pd_time_to_first_token_mean_seconds')).toBe(
      true,
    );
  });

  it('filters each family by its role scope and keeps only namespace, model and family labels', () => {
    const scopes: Record<string, string> = {
      prefill: 'role=~"prefill|union"',
      decode: 'role=~"decode|union"',
      all: 'role=~"prefill|decode|union"',
    };
    for (const f of CANONICAL_FAMILIES) {
      const r =
        byRecord.get(`${f.name}:rate1m`) ??
        byRecord.get(`${f.name}_bucket:rate1m`) ??
        byRecord.get(f.name)!;
      const matchers = [...r.expr.matchAll(/role=~"([^"]*)"/g)].map(
        (m) => `role=~"${m[1]}"`,
      );
      expect(matchers.length, f.name).toBeGreaterThan(0);
      expect(new Set(matchers), f.name).toEqual(new Set([scopes[f.scope]]));
      expect(r.labels).toMatchObject({ view: 'full', source: 'rules' });
    }
    // Rank labels never survive: every aggregation names what it keeps.
    for (const r of rules) {
      expect(r.expr, r.record).not.toMatch(/\bwithout\b/);
      for (const m of r.expr.matchAll(/\b(sum|avg|max|count) by \(([^)]*)\)/g))
        // (capacity per scraped page is the one inner, page-level aggregation)
        if (m[2] !== 'job, instance')
          expect(m[2]!.split(', ').slice(0, 2), r.record).toEqual([
            'namespace',
            'model_name',
          ]);
    }
    expect(byRecord.get('motor:requests_finished_total:rate1m')!.expr).toMatch(
      /sum by \(namespace, model_name, finished_reason\)/,
    );
  });

  it('weights KV usage by the capacity the table names for SGLang', () => {
    expect(semanticsFor(SGLANG_CAPACITY, 'gauge').capacity).toBe(
      'sglang_max_tokens',
    );
    expect(byRecord.get('motor:kv_cache_usage_ratio')!.expr).toContain(
      SGLANG_CAPACITY,
    );
  });
});
