import { fails, file, load } from '../../test/support/config-files.js';
import { familyFilterOptions } from './load-config.js';

describe('cardinality bounds (family lists, series budget)', () => {
  it('defaults to every family and a 2,000,000 series budget', () => {
    const { config } = load();
    const p = config.prometheus_metrics_config;
    expect(p.include_families).toEqual([]);
    expect(p.exclude_families).toEqual([]);
    expect(p.max_series_per_view).toBe(2_000_000);
    expect(familyFilterOptions(config)).toEqual({
      include: [],
      exclude: [],
      maxSeries: 2_000_000,
    });
  });

  it('takes lists or per-view objects from the file, comma lists from env', () => {
    const path = file('families.json', {
      prometheus_metrics_config: {
        include_families: ['vllm:*', 'motor:*'],
        exclude_families: { dp: ['python_*', 'process_*'], full: [] },
        max_series_per_view: { dp: 500000 },
      },
    });
    const p = load(['--config', path]).config.prometheus_metrics_config;
    expect(p.include_families).toEqual(['vllm:*', 'motor:*']);
    expect(p.exclude_families).toEqual({
      dp: ['python_*', 'process_*'],
      full: [],
    });
    expect(p.max_series_per_view).toEqual({ dp: 500000 });
    const env = load(['--config', path], {
      COORDINATOR_EXCLUDE_FAMILIES: 'python_*, vllm:request_params_*',
      COORDINATOR_MAX_SERIES_PER_VIEW: '1000',
    }).config.prometheus_metrics_config;
    expect(env.exclude_families).toEqual(['python_*', 'vllm:request_params_*']);
    expect(env.max_series_per_view).toBe(1000);
    // A string in the file is a comma list, as for rank_labels.
    const text = file('families-text.json', {
      prometheus_metrics_config: { include_families: 'vllm:*,motor:*' },
    });
    expect(
      load(['--config', text]).config.prometheus_metrics_config
        .include_families,
    ).toEqual(['vllm:*', 'motor:*']);
  });

  it.each([
    [
      { exclude_families: { pod: ['x'] } },
      'prometheus_metrics_config.exclude_families = {"pod":["x"]}: must be a list of family name globs (* and ?), or an object of such lists keyed by view (full, instance, role, dp, node)',
    ],
    [
      { include_families: ['vllm:{a}'] },
      'prometheus_metrics_config.include_families = ["vllm:{a}"]: must be a list of family name globs',
    ],
    [
      { max_series_per_view: 0 },
      'prometheus_metrics_config.max_series_per_view = 0: must be an integer ≥ 1, or an object of such integers keyed by view',
    ],
    [
      { max_series_per_view: { dp: 1.5 } },
      'prometheus_metrics_config.max_series_per_view = {"dp":1.5}: must be an integer ≥ 1',
    ],
  ])('rejects %j', (section, message) => {
    const path = file('bad-families.json', {
      prometheus_metrics_config: section,
    });
    expect(fails(['--config', path])).toContain(message);
  });
});
