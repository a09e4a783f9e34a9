import {
  type ArgumentMetadata,
  BadRequestException,
  ValidationPipe,
} from '@nestjs/common';
import { validate, type ValidationError } from 'class-validator';
import type { AppConfig } from '../../config/config.schema.js';
import { defaultConfig } from '../../config/config.defaults.js';
import { TargetPolicy } from '../../instances/target-policy.js';
import {
  BoundedList,
  endpointPolicyProblems,
  prepareRefreshBody,
  refreshBodyLimitsFrom,
  type RefreshBodyLimits,
} from '../instances/refresh-body.js';
import { RefreshRequestDto } from '../instances/refresh.dto.js';

/** `instances.0.role: role must be one of …` for every failed constraint, depth-first. */
export function flattenValidationErrors(
  errors: readonly ValidationError[],
  prefix = '',
): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const path = /^\d+$/.test(e.property)
      ? `${prefix}[${e.property}]`
      : prefix
        ? `${prefix}.${e.property}`
        : e.property;
    for (const message of Object.values(e.constraints ?? {})) {
      out.push(`${path}: ${message}`);
    }
    out.push(...flattenValidationErrors(e.children ?? [], path));
  }
  return out;
}

export class RequestValidationException extends BadRequestException {
  constructor(readonly errors: readonly string[]) {
    super({ message: 'request validation failed', errors });
  }
}

const VALIDATOR_OPTIONS = {
  forbidUnknownValues: false,
  stopAtFirstError: true,
  validationError: { target: false, value: false },
} as const;

/**
 * Whole-request validation: every problem is reported (the first
 * `max_errors_listed`, then a count), nothing is applied. The refresh body
 * takes its own path, linear in the body: limits, a projection onto the DTOs
 * of the known fields only (no class-transformer pass over upstream maps),
 * class-validator, then the scrape target policy.
 */
export class RequestValidationPipe extends ValidationPipe {
  private readonly limits: RefreshBodyLimits;
  private readonly policy: TargetPolicy;
  private readonly scrapePort: 'mgmt_port' | 'business_port';

  constructor(config: AppConfig) {
    super({
      transform: true,
      whitelist: false,
      ...VALIDATOR_OPTIONS,
      exceptionFactory: (errors) =>
        new RequestValidationException(
          bounded(
            flattenValidationErrors(errors),
            config.refresh_limits_config.max_errors_listed,
          ),
        ),
    });
    this.limits = refreshBodyLimitsFrom(config);
    this.policy = new TargetPolicy(
      config.prometheus_metrics_config.scrape_allowed_cidrs,
    );
    this.scrapePort = config.prometheus_metrics_config.scrape_port;
  }

  override async transform(
    value: unknown,
    metadata: ArgumentMetadata,
  ): Promise<unknown> {
    if (metadata.type !== 'body' || metadata.metatype !== RefreshRequestDto)
      return super.transform(value, metadata);
    const dto = prepareRefreshBody(value, this.limits);
    const problems = new BoundedList(this.limits.maxErrorsListed);
    for (const p of flattenValidationErrors(
      await validate(dto, VALIDATOR_OPTIONS),
    ))
      problems.push(p);
    endpointPolicyProblems(dto, this.policy, this.scrapePort, problems);
    if (problems.size > 0)
      throw new RequestValidationException(problems.list());
    return dto;
  }
}

function bounded(errors: string[], max: number): string[] {
  return errors.length > max
    ? [...errors.slice(0, max), `… and ${errors.length - max} more`]
    : errors;
}

export function createValidationPipe(config?: AppConfig): ValidationPipe {
  return new RequestValidationPipe(
    config ?? (defaultConfig(undefined) as unknown as AppConfig),
  );
}
