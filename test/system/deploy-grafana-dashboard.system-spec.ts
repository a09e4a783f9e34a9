import { panelTargets } from '../support/dashboard-queries.js';
import type { Obj } from '../support/k8s-manifests.js';
import { dashboard } from '../support/monitoring-assets.js';

/** The Grafana dashboard of deploy/grafana: its data source and what it shows. */

describe('Grafana dashboard', () => {
  const all = (panels: Obj[]): Obj[] =>
    panels.flatMap((p) => [p, ...all((p.panels ?? []) as Obj[])]);

  it('has a Prometheus data source variable used by every query', () => {
    const vars = dashboard.templating.list as Obj[];
    expect(vars).toContainEqual(
      expect.objectContaining({
        name: 'datasource',
        type: 'datasource',
        query: 'prometheus',
      }),
    );
    for (const p of all(dashboard.panels as Obj[]).filter(
      (p) => p.type !== 'row',
    )) {
      expect(p.datasource, p.title).toEqual({
        type: 'prometheus',
        uid: '${datasource}',
      });
      expect(p.targets.length, p.title).toBeGreaterThan(0);
    }
    const ids = all(dashboard.panels as Obj[]).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('shows latency quantiles, throughput, requests, KV cache by role, instances and scrape health', () => {
    const exprs = panelTargets(dashboard.panels as Obj[])
      .map((t) => t.expr)
      .join('\n');
    for (const needle of [
      // canonical families (SPEC §3.2): one dashboard for every engine
      'motor:time_to_first_token_seconds_p50{view="full",',
      'motor:time_to_first_token_seconds_p95{view="full",',
      'motor:time_to_first_token_seconds_p99{view="full",',
      'motor:inter_token_latency_seconds_p95{view="full",',
      'motor:e2e_request_latency_seconds_p99{view="full",',
      'motor:generation_tokens_per_second{view="full",',
      'motor:requests_running{view="full",',
      'motor:requests_waiting{view="full",',
      'motor:kv_cache_usage_ratio{view="role",',
      '{view="instance",',
      'motor:endpoints_scraped{view="full"}',
      'motor:endpoints_configured{view="full"}',
      'up{view=~"full|instance|role|dp|node"}',
    ]) {
      expect(exprs).toContain(needle);
    }
    const tables = all(dashboard.panels as Obj[]).filter(
      (p) => p.type === 'table',
    );
    expect(
      tables.some((t) =>
        t.targets.every((x: Obj) => x.expr.includes('view="instance"')),
      ),
    ).toBe(true);
  });
});
