import { ServiceUnavailableException } from '@nestjs/common';
import type {
  HealthCheckService,
  HealthIndicatorFunction,
} from '@nestjs/terminus';

export interface CheckOutcome<D> {
  readonly ok: boolean;
  /** The indicator's data (`message`, …) whether it was up or down. */
  readonly details: Partial<D>;
}

/**
 * Runs one Terminus indicator and hands back its verdict and data, so the
 * controllers can answer with the upstream bodies instead of Terminus' own.
 */
export async function runCheck<D extends object>(
  health: HealthCheckService,
  key: string,
  indicator: HealthIndicatorFunction,
): Promise<CheckOutcome<D>> {
  try {
    const result = await health.check([indicator]);
    return { ok: true, details: (result.details[key] ?? {}) as Partial<D> };
  } catch (err) {
    if (!(err instanceof ServiceUnavailableException)) throw err;
    const body = err.getResponse() as { details?: Record<string, Partial<D>> };
    return { ok: false, details: body.details?.[key] ?? {} };
  }
}
