/**
 * prometheus_fastapi_instrumentator's view of an engine's traffic: the
 * requests that carried a tick's finished work, plus the health and model
 * list probes, with their sizes and latencies.
 */
import { lognormalDist } from './bucket-dist.js';
import { HTTP_DURATION, HTTP_HIGHR } from './http-catalogue.js';
import type { HistogramSlots, PageSlots } from './page-slots.js';
import type { Prng } from './prng.js';
import type { RoleProfile } from './role-profiles.js';
import { addObservations, inc } from './value-writes.js';

export class HttpTraffic {
  private healthDebt = 0;
  private modelsDebt = 0;

  constructor(
    private readonly values: Float64Array,
    private readonly slots: PageSlots,
    private readonly rng: Prng,
    private readonly profile: RoleProfile,
  ) {}

  /** Restart: the probes' fractional carry-over starts again too. */
  reset(): void {
    this.healthDebt = 0;
    this.modelsDebt = 0;
  }

  /** One tick's HTTP calls: `n` requests carrying these tokens, plus the probes. */
  record(
    n: number,
    prompt: number,
    generated: number,
    dt: number,
    e2eFactor: number,
  ): void {
    const rng = this.rng;
    const v = this.values;
    const s = this.slots;
    const u = rng.next();
    const chat = Math.floor(n * 0.55 + u);
    const completions = n - chat;
    const chat4xx = rng.poisson(chat * 0.0004);
    const completions4xx = rng.poisson(completions * 0.0004);
    this.healthDebt += dt / 5;
    this.modelsDebt += dt / 30;
    const health = Math.floor(this.healthDebt);
    const models = Math.floor(this.modelsDebt);
    this.healthDebt -= health;
    this.modelsDebt -= models;
    const perSeries = [
      chat,
      chat4xx,
      completions,
      completions4xx,
      health,
      models,
    ];
    perSeries.forEach((c, i) => {
      inc(v, s.httpRequests + i, c);
    });
    const perHandler = [
      chat + chat4xx,
      completions + completions4xx,
      health,
      models,
    ];
    const share = (x: number, part: number) =>
      n > 0 ? Math.round((x * part) / n) : 0;
    const reqBytes = [
      share(prompt, chat) * 4 + chat * 420,
      share(prompt, completions) * 4 + completions * 260,
      0,
      0,
    ];
    const respBytes = [
      share(generated, chat) * 5 + chat * 380,
      share(generated, completions) * 5 + completions * 300,
      0,
      models * 512,
    ];
    const e2e = this.profile.e2e;
    const median = [e2e[0] * e2eFactor, e2e[0] * e2eFactor, 0.002, 0.004];
    const sigma = [e2e[1], e2e[1], 0.5, 0.5];
    perHandler.forEach((count, i) => {
      const req = s.httpRequestSize[i] as { count: number; sum: number };
      const resp = s.httpResponseSize[i] as { count: number; sum: number };
      inc(v, req.count, count);
      inc(v, req.sum, reqBytes[i] as number);
      inc(v, resp.count, count);
      inc(v, resp.sum, respBytes[i] as number);
      const m = median[i] as number;
      const sg = sigma[i] as number;
      addObservations(
        v,
        s.httpDuration[i] as HistogramSlots,
        lognormalDist(HTTP_DURATION, m, sg, false),
        count,
        rng,
      );
      addObservations(
        v,
        s.httpHighr,
        lognormalDist(HTTP_HIGHR, m, sg, false),
        count,
        rng,
      );
    });
  }
}
