import {
  fixtureNames,
  readFixture as fixture,
} from '../../test/support/fixtures.js';
import {
  parseExposition,
  type ExpositionHandler,
} from './exposition-parser.js';
import { parsePage, type PageFamily } from './parse-page.js';

const family = (families: PageFamily[], name: string): PageFamily => {
  const f = families.find((x) => x.name === name);
  if (!f) throw new Error(`no family ${name}`);
  return f;
};

describe('parseExposition', () => {
  it('handles blank lines, CRLF, timestamps, tabs and comments', () => {
    const body =
      '# a comment\r\n\r\n# HELP m Some help\r\n# TYPE m counter\r\n' +
      'm{a="x y"} 1 1700000000000\r\n' +
      'm{a="z"}\t2\r\n' +
      '  m{a="w"}   3   \r\n' +
      'n 4 -5\n' +
      'o{a="} 9"} 5\n' +
      '# EOF\n';
    const seen: [string, number][] = [];
    const handler: ExpositionHandler = {
      help: () => true,
      type: () => true,
      sample(b, s, e, v) {
        seen.push([b.slice(s, e), v]);
        return true;
      },
    };
    expect(parseExposition(body, handler)).toEqual({ samples: 5, badLines: 0 });
    expect(seen).toEqual([
      ['m{a="x y"}', 1],
      ['m{a="z"}', 2],
      ['m{a="w"}', 3],
      ['n', 4],
      ['o{a="} 9"}', 5],
    ]);
  });

  it('skips and counts bad lines, keeping the good ones', () => {
    const body = [
      'good 1',
      'novalue',
      'bad_value abc',
      'bad_ts 1 1.5',
      'm{a="unterminated} 1',
      '1bad_name 2',
      '# TYPE',
      '# HELP 9bad x',
      'dup{a="1",a="2"} 3',
      'also_good{x="1"} 2',
      'm{a="x"} 1 2 3',
    ].join('\n');
    const page = parsePage(body);
    expect(page.samples).toBe(2);
    expect(page.badLines).toBe(9);
    expect(page.families.map((f) => f.name)).toEqual(['good', 'also_good']);
  });

  it('survives an empty page and a page without trailing newline', () => {
    expect(parsePage('')).toEqual({ families: [], samples: 0, badLines: 0 });
    expect(parsePage('a 1').samples).toBe(1);
  });

  it('assigns histogram samples to their family whatever the order', () => {
    const body = [
      '# TYPE h histogram',
      'h_count 3',
      'h_sum 4.5',
      'h_bucket{le="1"} 1',
      'h_bucket{le="+Inf"} 3',
      '# TYPE g gauge',
      'g 1',
      'h_bucket{le="2"} 2',
    ].join('\n');
    const page = parsePage(body);
    expect(
      page.families.map((f) => [f.name, f.type, f.samples.length]),
    ).toEqual([
      ['h', 'histogram', 5],
      ['g', 'gauge', 1],
    ]);
  });
});

describe('fixtures', () => {
  const expected: Record<string, { samples: number; families: number }> = {
    'mindie-service-qwen2.5-0.5b-gpustack-1785.prom': {
      samples: 7,
      families: 7,
    },
    'sglang-llama-3.1-8b-instruct-sglang-docs.prom': {
      samples: 91,
      families: 12,
    },
    'sglang-llama-3.2-3b-path-label-sglang-pr1853.prom': {
      samples: 5,
      families: 5,
    },
    'synthetic-vllm-v1-deepseek-v3-engine0.prom': {
      samples: 464,
      families: 75,
    },
    'vllm-v0-bloom-560m-ibm-vllm-pr18.prom': { samples: 10, families: 4 },
    'vllm-v0-hermes-2-theta-70b-vllm-6337.prom': { samples: 6, families: 1 },
    'vllm-v0-qwen2.5-coder-1.5b-aibrix-runtime-docs.prom': {
      samples: 29,
      families: 14,
    },
    'vllm-v1-glm-4.5-production-stack-617.prom': { samples: 5, families: 5 },
    'vllm-v1-qwen2.5-coder-32b-production-stack-318.prom': {
      samples: 7,
      families: 7,
    },
  };

  it('covers every fixture file', () => {
    const files = fixtureNames();
    expect(files).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))(
    '%s parses with no bad line',
    (file, counts) => {
      const page = parsePage(fixture(file));
      expect(page.badLines).toBe(0);
      expect(page.samples).toBe(counts.samples);
      expect(page.families).toHaveLength(counts.families);
      // CRLF and a BOM-free copy parse to the very same samples.
      const crlf = parsePage(fixture(file).replace(/\n/g, '\r\n'));
      expect(crlf.samples).toBe(counts.samples);
      expect(crlf.families).toEqual(page.families);
    },
  );

  it('reads SGLang: e-notation buckets, float-artifact le, _sum before buckets', () => {
    const { families } = parsePage(
      fixture('sglang-llama-3.1-8b-instruct-sglang-docs.prom'),
    );
    const tpot = family(families, 'sglang:time_per_output_token_seconds');
    expect(tpot.type).toBe('histogram');
    expect(tpot.samples[0]!.name).toBe(
      'sglang:time_per_output_token_seconds_sum',
    );
    expect(tpot.samples.find((s) => s.labels.le === '0.1')!.value).toBe(
      4950195,
    );
    const func = family(families, 'sglang:func_latency_seconds');
    expect(func.samples[2]!.labels).toEqual({
      le: '0.07500000000000001',
      name: 'generate_request',
    });
    expect(func.samples.at(-1)!.value).toBe(14007);
    expect(
      family(families, 'sglang:prompt_tokens_total').samples[0]!.value,
    ).toBe(8128902);
  });

  it('reads the AIBrix page: TYPE without HELP, empty label values, -1 and timestamps as values', () => {
    const { families } = parsePage(
      fixture('vllm-v0-qwen2.5-coder-1.5b-aibrix-runtime-docs.prom'),
    );
    const info = family(families, 'vllm:cache_config_info');
    expect(info.help).toBeUndefined();
    expect(info.type).toBe('gauge');
    expect(info.samples[0]!.labels.num_gpu_blocks_override).toBe('None');
    const lora = family(families, 'vllm:lora_requests_info');
    expect(lora.samples[0]!.labels).toEqual({
      max_lora: '0',
      running_lora_adapters: '',
      waiting_lora_adapters: '',
    });
    expect(lora.samples[0]!.value).toBe(1738217335.8407154);
    expect(
      family(families, 'vllm:gpu_prefix_cache_hit_rate').samples[0]!.value,
    ).toBe(-1);
    const iter = family(families, 'vllm:iteration_tokens_total');
    expect(iter.type).toBe('histogram');
    expect(iter.samples).toHaveLength(16); // truncated: _sum + 15 buckets, no +Inf, no _count
  });

  it('reads vLLM V1 `_created` families and engine labels', () => {
    const { families } = parsePage(
      fixture('vllm-v1-glm-4.5-production-stack-617.prom'),
    );
    const created = family(families, 'vllm:gpu_prefix_cache_queries_created');
    expect(created.type).toBe('gauge');
    expect(created.help).toContain('queriedtokens');
    const usage = family(families, 'vllm:kv_cache_usage_perc');
    expect(usage.samples[0]).toEqual({
      name: 'vllm:kv_cache_usage_perc',
      labels: { engine: '0', model_name: 'zai-org/GLM-4.5' },
      value: 9.75010481363281e-6,
    });
  });

  it('reads MindIE integers and unprefixed names', () => {
    const { families } = parsePage(
      fixture('mindie-service-qwen2.5-0.5b-gpustack-1785.prom'),
    );
    expect(family(families, 'prompt_tokens_total').samples[0]!.value).toBe(195);
    expect(family(families, 'generation_tokens_total').samples[0]!.value).toBe(
      578,
    );
  });

  it('reads process_* families without labels and path-valued labels', () => {
    const p = parsePage(
      fixture('vllm-v1-qwen2.5-coder-32b-production-stack-318.prom'),
    );
    expect(
      family(p.families, 'process_cpu_seconds_total').samples[0]!.value,
    ).toBe(439.71999999999997);
    expect(family(p.families, 'process_max_fds').samples[0]!.labels).toEqual(
      {},
    );
    const s = parsePage(
      fixture('sglang-llama-3.2-3b-path-label-sglang-pr1853.prom'),
    );
    expect(
      family(s.families, 'sglang:context_len').samples[0]!.labels.name,
    ).toBe(
      '/shared/public/elr-models/meta-llama/Llama-3.2-3B/5cc0ffe09ee49f7be6ca7c794ee6bd7245e84e60/',
    );
  });

  it('reads the generated vLLM V1 page: summaries, histograms and info gauges', () => {
    const { families } = parsePage(
      fixture('synthetic-vllm-v1-deepseek-v3-engine0.prom'),
    );
    const summary = family(families, 'http_request_size_bytes');
    expect(summary.type).toBe('summary');
    expect(summary.samples.find((s) => s.name.endsWith('_sum'))!.value).toBe(
      42829031700,
    );
    const ttft = family(families, 'vllm:time_to_first_token_seconds');
    const inf = ttft.samples.find((s) => s.labels.le === '+Inf')!;
    const count = ttft.samples.find((s) => s.name.endsWith('_count'))!;
    expect(inf.value).toBe(count.value);
    expect(family(families, 'python_info').samples[0]!.labels.version).toBe(
      '3.11.2',
    );
  });
});
