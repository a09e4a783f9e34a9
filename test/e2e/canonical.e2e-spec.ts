import request from 'supertest';
import { startFleet, type Fleet } from '../../src/simulator/index.js';
import { startHarness, type Harness } from '../support/app-harness.js';
import { samplesOf, type Sample } from '../support/exposition.js';

/**
 * SPEC §3.2 on a mixed fleet: one model served by simulated vLLM, SGLang and MindIE
 * engines in both roles. Each engine's own page is read back over HTTP with the npm
 * parser, the SPEC's mapping table is applied here by hand (names copied from the
 * SPEC, not from the code), and every canonical family the coordinator serves in the
 * full view must equal that merge.
 */

const MODEL = 'm/mixed';

/** SPEC §3.2 table: canonical family → the engine families that feed it. */
const SOURCES: Record<string, readonly string[]> = {
  'motor:requests_running': [
    'vllm:num_requests_running',
    'sglang:num_running_reqs',
    'num_requests_running',
  ],
  'motor:requests_waiting': [
    'vllm:num_requests_waiting',
    'sglang:num_queue_reqs',
    'num_requests_waiting',
  ],
  'motor:prompt_tokens_total': [
    'vllm:prompt_tokens_total',
    'sglang:prompt_tokens_total',
    'prompt_tokens_total',
  ],
  'motor:generation_tokens_total': [
    'vllm:generation_tokens_total',
    'sglang:generation_tokens_total',
    'generation_tokens_total',
  ],
  'motor:preemptions_total': [
    'vllm:num_preemptions_total',
    'num_preemptions_total',
  ],
};
/** SPEC §3.1 S2: the roles that feed each family in the full view. */
const SCOPE: Record<string, readonly string[]> = {
  'motor:requests_running': ['prefill', 'decode'],
  'motor:requests_waiting': ['prefill', 'decode'],
  'motor:prompt_tokens_total': ['prefill'],
  'motor:generation_tokens_total': ['decode'],
  'motor:preemptions_total': ['prefill', 'decode'],
};
const HISTOGRAMS: Record<string, readonly string[]> = {
  'motor:time_to_first_token_seconds': [
    'vllm:time_to_first_token_seconds',
    'sglang:time_to_first_token_seconds',
    'time_to_first_token_seconds',
  ],
  'motor:e2e_request_latency_seconds': [
    'vllm:e2e_request_latency_seconds',
    'sglang:e2e_request_latency_seconds',
    'e2e_request_latency_seconds',
  ],
};

describe('one schema for every engine: canonical families on a mixed fleet (SPEC §3.2)', () => {
  let fleet: Fleet;
  let h: Harness;
  const pages = new Map<number, { role: string; text: string }>();

  beforeAll(async () => {
    fleet = await startFleet({
      modelName: MODEL,
      seed: 7,
      startTimeSeconds: 1_760_000_000,
      warmupSeconds: 120,
      instances: [
        { id: 1, role: 'prefill', dpRanks: 1, kind: 'vllm' },
        { id: 2, role: 'decode', dpRanks: 1, kind: 'vllm' },
        { id: 3, role: 'prefill', dpRanks: 1, kind: 'sglang' },
        { id: 4, role: 'decode', dpRanks: 2, kind: 'sglang' },
        { id: 5, role: 'prefill', dpRanks: 1, kind: 'mindie' },
        { id: 6, role: 'decode', dpRanks: 1, kind: 'mindie' },
      ],
    });
    h = await startHarness({ COORDINATOR_REUSE_TIME: '0.3' });
    await request(h.mgmt)
      .post('/instances/refresh')
      .send(fleet.refreshBody('set'))
      .expect(200);
    await h.apps.handles.scheduler.nextCycle();
    // the engines change only when ticked: their pages now are what the coordinator read
    for (const [k, e] of fleet.endpoints.entries()) {
      const res = await fetch(`http://${e.ip}:${e.port}/metrics`);
      pages.set(k, { role: e.role, text: await res.text() });
    }
  });
  afterAll(async () => {
    await h?.close();
    await fleet?.close();
  });

  const coordinator = async () =>
    (await request(h.obs).get('/metrics').expect(200)).text;
  const sum = (list: readonly Sample[] | undefined) =>
    (list ?? []).reduce((a, s) => a + s.value, 0);
  const of = (text: string, name: string) =>
    (samplesOf(text).get(name) ?? []).filter(
      (s) => s.labels.model_name === MODEL,
    );

  it('serves every kind’s page', () => {
    const kinds = new Set(fleet.endpoints.map((e) => e.kind));
    expect([...kinds].sort((a, b) => a.localeCompare(b))).toEqual([
      'mindie',
      'sglang',
      'vllm',
    ]);
  });

  it.each(Object.keys(SOURCES))(
    '%s equals the sum of its engines’ families over its role scope',
    async (canonical) => {
      let expected = 0;
      let fed = 0;
      for (const { role, text } of pages.values()) {
        if (!SCOPE[canonical]!.includes(role)) continue;
        const parsed = samplesOf(text);
        for (const name of SOURCES[canonical]!) {
          const list = parsed.get(name);
          if (list) fed++;
          expected += sum(list);
        }
      }
      expect(fed).toBeGreaterThan(1); // more than one engine kind feeds it
      expect(sum(of(await coordinator(), canonical))).toBeCloseTo(expected, 6);
    },
  );

  it('finished requests: vLLM’s reasons, MindIE’s success and failed, decode side only', async () => {
    const expected = new Map<string, number>();
    const add = (reason: string, v: number) =>
      expected.set(reason, (expected.get(reason) ?? 0) + v);
    for (const { role, text } of pages.values()) {
      if (role !== 'decode') continue;
      const parsed = samplesOf(text);
      for (const s of parsed.get('vllm:request_success_total') ?? [])
        add(s.labels.finished_reason!, s.value);
      add('success', sum(parsed.get('request_success_total')));
      add('error', sum(parsed.get('request_failed_total')));
    }
    const served = new Map(
      of(await coordinator(), 'motor:requests_finished_total').map((s) => [
        s.labels.finished_reason!,
        s.value,
      ]),
    );
    for (const [reason, v] of expected) {
      if (v === 0 && !served.has(reason)) continue;
      expect(served.get(reason), reason).toBeCloseTo(v, 6);
    }
  });

  it.each(Object.keys(HISTOGRAMS))(
    '%s counts every decode engine’s observations once',
    async (canonical) => {
      const countOf = (text: string, name: string) => {
        let total = 0;
        for (const m of text.matchAll(
          new RegExp(`^${name}_count(?:\\{[^}]*\\})? (\\S+)$`, 'gm'),
        ))
          total += Number(m[1]);
        return total;
      };
      let expected = 0;
      for (const { role, text } of pages.values()) {
        if (role !== 'decode') continue;
        for (const name of HISTOGRAMS[canonical]!)
          expected += countOf(text, name);
      }
      expect(expected).toBeGreaterThan(0);
      const line = new RegExp(
        `^${canonical}_count\\{model_name="${MODEL.replace('/', '\\/')}"\\} (\\S+)$`,
        'm',
      ).exec(await coordinator());
      expect(Number(line?.[1])).toBeCloseTo(expected, 6);
    },
  );
});
