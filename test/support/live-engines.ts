import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { startHarness, type Harness } from './app-harness.js';
import { samplesOf } from './exposition.js';

/**
 * Five vLLM engines on 127.0.0.2–5 serving pages whose values the test
 * controls, registered with a coordinator booted by the harness. Every test
 * starts from the layout's values, all engines registered and answering.
 */

export const TTFT_LE = [0.01, 0.05, 0.1, 0.5, 1, 5];

export interface EngineState {
  running: number;
  waiting: number;
  kv: number;
  prompt: number;
  /** Non-cumulative TTFT observations per bucket (last = +Inf). */
  ttft: number[];
  ttftSum: number;
  mode: 'ok' | 'dead' | 'garbage' | 'hang';
}

function page(s: EngineState, engine: number): string {
  const l = `engine="${engine}",model_name="deepseek-ai/DeepSeek-V3"`;
  let cum = 0;
  const buckets = [...TTFT_LE.map(String), '+Inf']
    .map((le, i) => {
      cum += s.ttft[i] ?? 0;
      return `vllm:time_to_first_token_seconds_bucket{${l},le="${le === '+Inf' ? '+Inf' : Number(le).toFixed(Number(le) < 1 ? 2 : 1)}"} ${cum}.0`;
    })
    .join('\n');
  return `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{${l}} ${s.running}.0
# HELP vllm:num_requests_waiting Number of requests waiting to be processed.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{${l}} ${s.waiting}.0
# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{${l}} ${s.kv}
# HELP vllm:prompt_tokens_total Number of prefill tokens processed.
# TYPE vllm:prompt_tokens_total counter
vllm:prompt_tokens_total{${l}} ${s.prompt}.0
# HELP vllm:prompt_tokens_created Number of prefill tokens processed.
# TYPE vllm:prompt_tokens_created gauge
vllm:prompt_tokens_created{${l}} 1.7500000000e+09
# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_sum{${l}} ${s.ttftSum}
${buckets}
vllm:time_to_first_token_seconds_count{${l}} ${cum}.0
`;
}

export interface Engine {
  state: EngineState;
  server: Server;
  ip: string;
  port: number;
}

async function startEngine(
  ip: string,
  engine: number,
  state: EngineState,
): Promise<Engine> {
  const server = createServer((req, res) => {
    if (state.mode === 'dead') {
      req.socket.destroy();
      return;
    }
    if (state.mode === 'hang') return; // accepts, never answers
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    res.end(
      state.mode === 'garbage'
        ? '\u0000\u00ff{{{ not metrics at all\n<<<>>>'
        : page(state, engine),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  return { state, server, ip, port: (server.address() as AddressInfo).port };
}

/**
 * The cluster for one describe block (registers its hooks there): `worker`
 * is COORDINATOR_DIGEST_IN_WORKER, the pipeline inline or in its worker thread.
 */
export function liveEngineCluster(worker: string) {
  let h: Harness;
  const engines: Engine[] = [];
  const fresh = (over: Partial<EngineState>): EngineState => ({
    running: 0,
    waiting: 0,
    kv: 0,
    prompt: 0,
    ttft: [0, 0, 0, 0, 0, 0, 0],
    ttftSum: 0,
    mode: 'ok',
    ...over,
  });

  // instance 1: prefill, 2 DP ranks on 127.0.0.2; instance 2: decode on 127.0.0.3;
  // instance 3: decode, 2 DP ranks on two pods 127.0.0.4 and 127.0.0.5.
  const layout = [
    {
      id: 1,
      role: 'prefill',
      ip: '127.0.0.2',
      rank: 0,
      s: {
        running: 3,
        waiting: 1,
        kv: 0.25,
        prompt: 1000,
        ttft: [5, 3, 2, 0, 0, 0, 0],
        ttftSum: 0.3,
      },
    },
    {
      id: 1,
      role: 'prefill',
      ip: '127.0.0.2',
      rank: 1,
      s: {
        running: 4,
        waiting: 0,
        kv: 0.75,
        prompt: 3000,
        ttft: [1, 1, 0, 0, 0, 0, 0],
        ttftSum: 0.05,
      },
    },
    {
      id: 2,
      role: 'decode',
      ip: '127.0.0.3',
      rank: 0,
      s: {
        running: 10,
        waiting: 2,
        kv: 0.5,
        prompt: 20,
        ttft: [0, 2, 4, 10, 3, 1, 0],
        ttftSum: 9.5,
      },
    },
    {
      id: 3,
      role: 'decode',
      ip: '127.0.0.4',
      rank: 0,
      s: {
        running: 7,
        waiting: 5,
        kv: 0.9,
        prompt: 30,
        ttft: [0, 0, 1, 5, 8, 2, 4],
        ttftSum: 40,
      },
    },
    {
      id: 3,
      role: 'decode',
      ip: '127.0.0.5',
      rank: 1,
      s: {
        running: 1,
        waiting: 0,
        kv: 0.1,
        prompt: 50,
        ttft: [0, 1, 0, 0, 0, 0, 0],
        ttftSum: 0.04,
      },
    },
  ] as const;

  const refreshBody = (event: string, ids?: number[]) => {
    const byId = new Map<
      number,
      {
        id: number;
        role: string;
        endpoints: Record<string, Record<string, unknown>>;
      }
    >();
    layout.forEach((l, i) => {
      if (ids && !ids.includes(l.id)) return;
      const e = engines[i]!;
      const inst = byId.get(l.id) ?? {
        id: l.id,
        role: l.role,
        endpoints: {},
      };
      inst.endpoints[l.ip] ??= {};
      inst.endpoints[l.ip]![String(l.rank)] = {
        id: l.rank,
        ip: l.ip,
        business_port: e.port,
        mgmt_port: String(e.port),
      };
      byId.set(l.id, inst);
    });
    return {
      event,
      instances: [...byId.values()].map((i) => ({
        job_name: 'e2e',
        model_name: 'deepseek-ai/DeepSeek-V3',
        ...i,
      })),
    };
  };

  const scrape = async (query = '') => {
    const res = await request(h.obs).get(`/metrics${query}`).expect(200);
    return { text: res.text, samples: samplesOf(res.text) };
  };
  const cycle = () => h.apps.handles.scheduler.nextCycle();
  const refresh = async (b: unknown) => {
    await request(h.mgmt)
      .post('/instances/refresh')
      .send(b as object)
      .expect(200);
    await cycle();
  };

  beforeAll(async () => {
    for (const [i, l] of layout.entries()) {
      engines.push(
        await startEngine(l.ip, i, fresh({ ...l.s, ttft: [...l.s.ttft] })),
      );
    }
    h = await startHarness({
      COORDINATOR_REUSE_TIME: '0.2',
      COORDINATOR_STALE_AFTER: '600',
      COORDINATOR_DIGEST_IN_WORKER: worker,
    });
    await refresh(refreshBody('set'));
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all(
      engines.map((e) => {
        e.server.closeAllConnections();
        return new Promise((r) => e.server.close(r));
      }),
    );
  });
  beforeEach(async () => {
    // every test starts from the layout's values, all engines registered and answering
    layout.forEach((l, i) =>
      Object.assign(engines[i]!.state, fresh({ ...l.s, ttft: [...l.s.ttft] })),
    );
    await refresh(refreshBody('set'));
  });

  return {
    harness: () => h,
    engines,
    layout,
    refreshBody,
    scrape,
    cycle,
    refresh,
  };
}
