import { startFleet, type Fleet } from './fleet.js';
import type { SimulatedVllmEngine } from './vllm-engine.js';

const START = 1_767_000_000;

describe('startFleet', () => {
  let fleet: Fleet | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await fleet?.close();
    fleet = undefined;
  });

  it('couples PD load: both sides serve the same requests and prompts', async () => {
    fleet = await startFleet({
      startTimeSeconds: START,
      requestsPerSecond: 40,
      instances: [
        { id: 0, role: 'prefill', dpRanks: 2 },
        { id: 1, role: 'prefill', dpRanks: 1, loadScale: 2 },
        { id: 2, role: 'decode', dpRanks: 4 },
      ],
    });
    const rate = (role: string) =>
      fleet!.endpoints
        .filter((e) => e.role === role)
        .reduce((a, e) => a + e.engine.requestsPerSecond, 0);
    expect(rate('prefill')).toBeCloseTo(40, 9);
    expect(rate('decode')).toBeCloseTo(40, 9);
    // loadScale weighs the split within a side: 1 + 1 + 2.
    expect(fleet.instance(1)[0]!.engine.requestsPerSecond).toBeCloseTo(20, 9);
    const [load] = fleet.load();
    expect(load!.requestsPerSecond).toBeCloseTo(40, 9);

    const seconds = 600;
    for (let i = 0; i < seconds / 5; i++) fleet.tick(5);
    const sum = (role: string, f: (t: ReturnType<typeof totals>) => number) =>
      fleet!.endpoints
        .filter((e) => e.role === role)
        .reduce((a, e) => a + f(e.engine.totals()), 0);
    const totals = (e: SimulatedVllmEngine) => e.totals();
    const requests = (t: ReturnType<typeof totals>) =>
      Object.values(t.finished).reduce((a, b) => a + b, 0);
    // 24,000 requests per side: Poisson noise ~0.7 %, prompt-length noise ~0.7 %.
    expect(sum('prefill', requests) / sum('decode', requests)).toBeCloseTo(
      1,
      1,
    );
    expect(sum('prefill', requests) / (40 * seconds)).toBeCloseTo(1, 1);
    expect(
      sum('prefill', (t) => t.promptTokens) /
        sum('decode', (t) => t.promptTokens),
    ).toBeCloseTo(1, 1);
    expect(
      sum('prefill', (t) => t.promptTokens) /
        seconds /
        load!.promptTokensPerSecond,
    ).toBeCloseTo(1, 1);
    expect(
      sum('decode', (t) => t.generationTokens) /
        seconds /
        load!.generationTokensPerSecond,
    ).toBeCloseTo(1, 1);
    // Prefill finishes each request with one token; the user's tokens are decode's.
    expect(sum('prefill', (t) => t.generationTokens)).toBe(
      sum('prefill', requests),
    );
  });

  it('couples PD load by default too: the decode side sets the rate', async () => {
    fleet = await startFleet({
      startTimeSeconds: START,
      instances: [
        { id: 0, role: 'prefill', dpRanks: 3 },
        { id: 1, role: 'decode', dpRanks: 2 },
        { id: 2, role: 'union', dpRanks: 1 },
      ],
    });
    const rate = (role: string) =>
      fleet!.endpoints
        .filter((e) => e.role === role)
        .reduce((a, e) => a + e.engine.requestsPerSecond, 0);
    expect(rate('prefill')).toBeGreaterThan(0);
    expect(rate('prefill')).toBeCloseTo(rate('decode'), 9);
    expect(fleet.load()[0]!.requestsPerSecond).toBeCloseTo(
      rate('decode') + rate('union'),
      9,
    );
  });
});
