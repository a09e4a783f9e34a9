import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import YAML from 'yaml';
import { semanticsFor } from '../aggregate/family-semantics.js';
import {
  CANONICAL_FAMILIES,
  CANONICAL_SOURCES,
} from '../aggregate/metric-semantics.js';
import { recordingRuleGroups, SGLANG_CAPACITY } from './recording-rules.js';
import { generatedFiles } from './rule-files.js';

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
      // never the coordinator's own series of the same names
      for (const sel of r.expr.matchAll(/\{([^}]*)\}/g))
        expect(sel[1], f.name).toMatch(/, view=""$/);
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

  it('engines-podmonitor.yaml is schema-valid and labels raw series as the rules expect; the plain job does the same', async () => {
    type Obj = Record<string, any>;
    const monitor = YAML.parse(
      readFileSync(join(PROM, 'engines-podmonitor.yaml'), 'utf8'),
    ) as Obj;
    expect(() => new PodMonitor(monitor as never).validate()).not.toThrow();
    const relabel = monitor.spec.podMetricsEndpoints[0].relabelings as Obj[];
    const role = relabel.find((r) => r.targetLabel === 'role')!;
    const model = relabel.find((r) => r.targetLabel === 'model_name')!;
    expect(role.sourceLabels).toEqual([
      '__meta_kubernetes_pod_label_motor_coordinator_role',
    ]);
    expect(model.sourceLabels).toEqual([
      '__meta_kubernetes_pod_annotation_motor_coordinator_model_name',
    ]);
    // Only a non-empty annotation replaces the engine's own model_name.
    expect(model.regex).toBe('(.+)');
    expect(monitor.spec.selector.matchExpressions[0].values).toEqual([
      'prefill',
      'decode',
      'union',
    ]);

    const plain = YAML.parse(
      readFileSync(join(PROM, 'engines-prometheus.yml'), 'utf8'),
    ) as Obj;
    expect(plain.rule_files).toEqual(['recording-rules.rules.yml']);
    const job = plain.scrape_configs[0] as Obj;
    const byTarget = (t: string) =>
      (job.relabel_configs as Obj[]).find((r) => r.target_label === t)!;
    expect(byTarget('role').source_labels).toEqual(role.sourceLabels);
    expect(byTarget('model_name').source_labels).toEqual(model.sourceLabels);
    expect(byTarget('model_name').regex).toBe(model.regex);
    // Debian's promtool is built without Kubernetes discovery: check the
    // rest of the file with a static target in its place.
    const dir = mkdtempSync(join(tmpdir(), 'motor-engines-'));
    try {
      const { kubernetes_sd_configs: sd, ...rest } = job;
      expect(sd).toEqual([{ role: 'pod' }]);
      writeFileSync(
        join(dir, 'prometheus.yml'),
        YAML.stringify({
          ...plain,
          rule_files: [join(PROM, 'recording-rules.rules.yml')],
          scrape_configs: [
            { ...rest, static_configs: [{ targets: ['127.0.0.1:1'] }] },
          ],
        }),
      );
      const out = await run('/usr/bin/promtool', [
        'check',
        'config',
        join(dir, 'prometheus.yml'),
      ]);
      expect(out.stdout).toContain('is valid prometheus config file syntax');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
