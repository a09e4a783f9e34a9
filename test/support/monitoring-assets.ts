import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { recordingRuleGroups } from '../../src/rules/recording-rules.js';
import type { Obj } from './k8s-manifests.js';
import { ROOT } from './repo-root.js';

/** The monitoring assets of deploy/ (Prometheus and Grafana), as shipped. */

/** deploy/prometheus */
export const PROM = join(ROOT, 'deploy', 'prometheus');

const yamlFile = (name: string) =>
  YAML.parse(readFileSync(join(PROM, name), 'utf8')) as Obj;

export const serviceMonitor = yamlFile('servicemonitor.yaml');
export const prometheusRule = yamlFile('prometheusrule.yaml');
/** prometheus.yml: the scrape jobs for a Prometheus without the Operator. */
export const plainConfig = yamlFile('prometheus.yml');
export const recordingRules = yamlFile('recording-rules.rules.yml');
export const dashboard = JSON.parse(
  readFileSync(
    join(ROOT, 'deploy', 'grafana', 'motor-coordinator.json'),
    'utf8',
  ),
) as Obj;

/** Every alert of the PrometheusRule. */
export const alerts = (prometheusRule.spec.groups as Obj[]).flatMap(
  (g) => g.rules as Obj[],
);

/** The series the generated recording rules record. */
export const RECORDED = new Set(
  recordingRuleGroups()[0]!.rules.map((r) => r.record),
);
