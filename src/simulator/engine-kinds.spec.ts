/**
 * Other engine kinds' pages against their fixtures. One file on purpose: every
 * block reads pages through the same fixture-shape reader (`families`,
 * `expectShapeOf`) and promtool runner, which a split per kind would copy.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { EngineKind } from './engine-kinds.js';
import { formatCppDouble } from './mindie-page.js';
import type { EngineRole } from './vllm-catalogue.js';
import { SimulatedVllmEngine } from './vllm-engine.js';
import { FIXTURES_DIR } from '../../test/support/fixtures.js';
import { pageSamples, pageValue } from '../../test/support/page-lines.js';

const START = 1_767_000_000;
const FIXTURES = FIXTURES_DIR;

interface Family {
  type: string;
  help: string;
  /** Label names of each sample (sorted, without `le`), by sample name. */
  samples: Map<string, string[]>;
  les: Map<string, string[]>;
}

function families(page: string): Map<string, Family> {
  const out = new Map<string, Family>();
  let current: Family | undefined;
  for (const line of page.split('\n')) {
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (help || type) {
      const name = (help ?? type)![1]!;
      current = out.get(name) ?? {
        type: '',
        help: '',
        samples: new Map(),
        les: new Map(),
      };
      if (help) current.help = help[2]!;
      if (type) current.type = type[2]!;
      out.set(name, current);
      continue;
    }
    if (line === '' || !current) continue;
    const [s] = pageSamples(line);
    current.samples.set(
      s!.name,
      Object.keys(s!.labels)
        .filter((k) => k !== 'le')
        .sort(),
    );
    if (s!.labels.le !== undefined) {
      const les = current.les.get(s!.name) ?? [];
      les.push(s!.labels.le);
      current.les.set(s!.name, les);
    }
  }
  return out;
}

function engine(
  kind: EngineKind,
  role: EngineRole = 'decode',
  extra: Partial<ConstructorParameters<typeof SimulatedVllmEngine>[0]> = {},
): SimulatedVllmEngine {
  return new SimulatedVllmEngine({
    modelName: 'meta-llama/Llama-3.1-8B-Instruct',
    engineIndex: 0,
    role,
    seed: 17,
    kind,
    startTimeSeconds: START,
    ...extra,
  });
}

/** Every family of `fixture` (but `skip`) appears in `page` with the same type, HELP and label names. */
function expectShapeOf(page: string, fixture: string, skip: string[] = []) {
  const mine = families(page);
  const theirs = families(fixture);
  expect(theirs.size).toBeGreaterThanOrEqual(7);
  let histograms = 0;
  for (const [name, f] of theirs) {
    if (skip.includes(name)) continue;
    if (f.les.size > 0) histograms++;
    const m = mine.get(name);
    expect(m, name).toBeDefined();
    expect(m!.type, name).toBe(f.type);
    expect(m!.help, name).toBe(f.help);
    for (const [sample, labels] of f.samples) {
      expect(m!.samples.get(sample), sample).toEqual(labels);
    }
    for (const [sample, les] of f.les) {
      if (les.at(-1) === '+Inf')
        expect(m!.les.get(sample), sample).toEqual(les);
    }
  }
  return histograms;
}

function promtool(page: string): string[] {
  const run = spawnSync('/usr/bin/promtool', ['check', 'metrics'], {
    input: page,
    encoding: 'utf8',
  });
  if (run.error) throw new Error(`promtool not runnable: ${run.error.message}`);
  expect([0, 3]).toContain(run.status);
  return `${run.stdout}\n${run.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

describe('SGLang pages', () => {
  it('have the fixture’s families, HELP, labels and bucket layouts', () => {
    const fixture = readFileSync(
      path.join(FIXTURES, 'sglang-llama-3.1-8b-instruct-sglang-docs.prom'),
      'utf8',
    );
    const e = engine('sglang');
    e.tick(600);
    // func_latency_seconds is labelled by function name, not a model metric.
    expect(
      expectShapeOf(e.render(), fixture, ['sglang:func_latency_seconds']),
    ).toBe(3);
    // _sum first, _count last, as the fixture prints them.
    const names = pageSamples(e.render())
      .filter((s) => s.name.startsWith('sglang:time_to_first_token_seconds'))
      .map((s) => s.name);
    expect(names[0]).toBe('sglang:time_to_first_token_seconds_sum');
    expect(names.at(-1)).toBe('sglang:time_to_first_token_seconds_count');
  });

  it('state max_total_num_tokens and add dp_rank only on request', () => {
    const plain = engine('sglang', 'decode', { maxTotalNumTokens: 570979 });
    expect(pageValue(plain.render(), 'sglang:max_total_num_tokens')).toBe(
      570979,
    );
    expect(
      pageSamples(plain.render()).every((s) => !('dp_rank' in s.labels)),
    ).toBe(true);
    const ranked = engine('sglang', 'decode', {
      engineIndex: 3,
      dpRankLabel: true,
    });
    ranked.tick(60);
    for (const s of pageSamples(ranked.render()))
      expect(s.labels.dp_rank).toBe('3');
    const t = ranked.totals();
    expect(pageValue(ranked.render(), 'sglang:num_used_tokens')).toBe(
      Math.round(t.kvCacheUsage * t.kvCapacityTokens!),
    );
  });

  it('print the engine totals', () => {
    const e = engine('sglang');
    e.tick(300);
    const page = e.render();
    const t = e.totals();
    expect(pageValue(page, 'sglang:prompt_tokens_total')).toBe(t.promptTokens);
    expect(pageValue(page, 'sglang:generation_tokens_total')).toBe(
      t.generationTokens,
    );
    expect(pageValue(page, 'sglang:num_running_reqs')).toBe(t.requestsRunning);
    expect(pageValue(page, 'sglang:num_queue_reqs')).toBe(t.requestsWaiting);
    expect(pageValue(page, 'sglang:token_usage')).toBe(t.kvCacheUsage);
    expect(pageValue(page, 'sglang:time_to_first_token_seconds_count')).toBe(
      t.histograms.ttft.count,
    );
    expect(pageValue(page, 'sglang:time_per_output_token_seconds_count')).toBe(
      t.histograms.itl.count,
    );
    expect(
      pageValue(page, 'sglang:e2e_request_latency_seconds_bucket', {
        le: '60.0',
      }),
    ).toBe(t.histograms.e2e.buckets.find((b) => b.le === 60)!.count);
  });
});

describe('MindIE pages', () => {
  it('have the fixture’s families, HELP and labels, integers without a decimal point', () => {
    const fixture = readFileSync(
      path.join(FIXTURES, 'mindie-service-qwen2.5-0.5b-gpustack-1785.prom'),
      'utf8',
    );
    const e = engine('mindie');
    e.tick(120);
    const page = e.render();
    expectShapeOf(page, fixture);
    // prometheus-cpp collects counters first, then gauges, then histograms.
    const order = [...families(page).keys()];
    expect(order.slice(0, 7)).toEqual([...families(fixture).keys()]);
    for (const name of [
      'num_requests_waiting',
      'npu_cache_usage_perc',
      'time_to_first_token_seconds',
      'time_per_output_token_seconds',
      'e2e_request_latency_seconds',
    ]) {
      expect(families(page).has(name), name).toBe(true);
    }
    for (const s of pageSamples(page)) {
      if (Number.isInteger(s.value)) expect(s.raw, s.name).toMatch(/^-?\d+$/);
    }
    expect(
      pageValue(page, 'time_to_first_token_seconds_bucket', { le: '2.5' }),
    ).toBeGreaterThan(0);
  });

  it('count stop + length as success, abort + error as failed', () => {
    const e = engine('mindie');
    e.tick(1800);
    const page = e.render();
    const f = e.totals().finished;
    expect(f.abort + f.error).toBeGreaterThan(0);
    expect(pageValue(page, 'request_success_total')).toBe(f.stop + f.length);
    expect(pageValue(page, 'request_failed_total')).toBe(f.abort + f.error);
    expect(pageValue(page, 'request_received_total')).toBe(
      f.stop + f.length + f.abort + f.error,
    );
    expect(pageValue(page, 'failed_request_perc')).toBeCloseTo(
      (f.abort + f.error) / (f.stop + f.length + f.abort + f.error),
      12,
    );
    expect(pageValue(page, 'prompt_tokens_total')).toBe(
      e.totals().promptTokens,
    );
  });

  it('formats numbers like prometheus-cpp (%.16g)', () => {
    expect(formatCppDouble(4)).toBe('4');
    expect(formatCppDouble(0)).toBe('0');
    expect(formatCppDouble(8128902)).toBe('8128902');
    expect(formatCppDouble(0.1)).toBe('0.1');
    expect(formatCppDouble(4445.857012826018)).toBe('4445.857012826018');
    expect(formatCppDouble(1 / 3)).toBe('0.3333333333333333');
    expect(formatCppDouble(1e-5)).toBe('1e-05');
    expect(formatCppDouble(1.5e17)).toBe('1.5e+17');
    expect(formatCppDouble(-2.5)).toBe('-2.5');
    expect(formatCppDouble(NaN)).toBe('Nan');
    expect(formatCppDouble(Infinity)).toBe('+Inf');
  });
});

describe('vLLM V0 pages', () => {
  it('have the fixture’s families and labels: model_name only, disabled hit rates at -1', () => {
    const fixture = readFileSync(
      path.join(
        FIXTURES,
        'vllm-v0-qwen2.5-coder-1.5b-aibrix-runtime-docs.prom',
      ),
      'utf8',
    );
    const e = engine('vllm-v0');
    e.tick(120);
    const page = e.render();
    // The fixture's cache_config_info lacks HELP (an excerpt); lora only with --enable-lora;
    // its iteration_tokens_total excerpt is cut (V0 0.7 buckets).
    const mine = families(page);
    for (const [name, f] of families(fixture)) {
      if (name === 'vllm:lora_requests_info') continue;
      expect(mine.get(name)?.type, name).toBe(f.type);
      for (const [sample, labels] of f.samples) {
        expect(mine.get(name)!.samples.get(sample), sample).toEqual(labels);
      }
    }
    expect(pageValue(page, 'vllm:gpu_prefix_cache_hit_rate')).toBe(-1);
    expect(pageValue(page, 'vllm:gpu_cache_usage_perc')).toBe(
      e.totals().kvCacheUsage,
    );
    expect(page).not.toContain('_created');
    expect(page).not.toContain('engine="');
    const info = pageSamples(page).find(
      (s) => s.name === 'vllm:cache_config_info',
    );
    expect(info?.labels.num_gpu_blocks).toBe('40000');
  });

  it('can print the disabled KV-usage sentinel -1', () => {
    const e = engine('vllm-v0');
    e.pinGauges({ kvCacheUsage: -1 });
    e.tick(30);
    expect(pageValue(e.render(), 'vllm:gpu_cache_usage_perc')).toBe(-1);
    expect(pageValue(e.render(), 'vllm:num_requests_running')).toBeGreaterThan(
      0,
    );
  });
});

describe.each(['vllm', 'vllm-v0', 'sglang', 'mindie'] as const)(
  'every kind (%s)',
  (kind) => {
    it('passes promtool with lint findings only', () => {
      const e = engine(kind, 'union');
      e.tick(600);
      for (const f of promtool(e.render())) {
        expect(f).toMatch(
          /metric names should not contain ':'$|non-counter metrics should not have "_total" suffix$|should not contain abbreviated units$/,
        );
      }
    });

    it('keeps the honest PD model: a prefill engine ends every request with one token', () => {
      const e = engine(kind, 'prefill');
      e.tick(300);
      const t = e.totals();
      const requests = t.histograms.e2e.count;
      expect(requests).toBeGreaterThan(100);
      expect(t.finished.length).toBe(requests);
      expect(t.generationTokens).toBe(requests);
      expect(t.histograms.itl.count).toBe(0);
    });
  },
);
