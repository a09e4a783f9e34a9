import type { Obj } from './k8s-manifests.js';
import { RECORDED } from './monitoring-assets.js';
import { vectorSelectors } from './promql-scan.js';

/** The Grafana dashboard's PromQL, panel by panel, and as Grafana sends it. */

/** Every target's expression, with its panel's title (nested rows included). */
export function panelTargets(panels: Obj[]): { title: string; expr: string }[] {
  return panels.flatMap((p) => [
    ...((p.targets ?? []) as Obj[]).map((t) => ({
      title: p.title as string,
      expr: t.expr as string,
    })),
    ...panelTargets((p.panels ?? []) as Obj[]),
  ]);
}

/** The back end the dashboard's `$source` variable selects. */
export type Backend = 'coordinator' | 'rules';

export interface Query {
  readonly title: string;
  /** As written in the dashboard. */
  readonly raw: string;
}

/** Every target's expression, titled `<panel> / <refId>`. */
export function dashboardQueries(panels: Obj[]): Query[] {
  return panels.flatMap((p) => [
    ...((p.targets ?? []) as Obj[]).map((t) => ({
      title: `${p.title as string} / ${t.refId as string}`,
      raw: t.expr as string,
    })),
    ...dashboardQueries((p.panels ?? []) as Obj[]),
  ]);
}

/** The dashboard's variables as Grafana substitutes them (All = `.*`). */
export function substitute(expr: string, source: Backend): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$source', source)
    .replaceAll('$namespace', '.*')
    .replaceAll('$model', '.*')
    .replaceAll('$role', '.*');
}

/**
 * A query the rules back end serves: every selector switched by the back-end
 * variable names a recorded series, or a counter/bucket family whose
 * `:rate1m` the rules record (the query then has an `or` to it).
 */
export function servedByRules(raw: string): boolean {
  const switched = vectorSelectors(raw).filter((s) =>
    s.matchers.includes('source="$source"'),
  );
  return (
    switched.length > 0 &&
    switched.every(
      (s) =>
        /(^|,)\s*view="full"/.test(s.matchers) &&
        (RECORDED.has(s.name) || RECORDED.has(`${s.name}:rate1m`)),
    )
  );
}
