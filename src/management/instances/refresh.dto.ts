import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
} from '@nestjs/swagger';
import {
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsString,
  Min,
  Validate,
  ValidateNested,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
  IsObject,
  Max,
} from 'class-validator';
import { isIP } from 'node:net';
import {
  REFRESH_EVENTS,
  type RefreshEvent,
} from '../../instances/instance.types.js';
import { ROLE_ALIASES } from '../../instances/role.js';

const ACCEPTED_ROLES = Object.keys(ROLE_ALIASES);
const MAX_ID = Number.MAX_SAFE_INTEGER;
/** Problems listed per `endpoints` map; the rest are counted. */
const MAX_ENDPOINT_PROBLEMS = 20;

/**
 * Where a full definition keeps its other upstream fields (engine_type,
 * parallel_config, …): as parsed, never walked by class-transformer.
 */
export const UPSTREAM_FIELDS = Symbol('upstream fields');

/** A port as upstream sends it: an integer or a decimal string, 1..65535. */
export function parsePort(value: unknown): number | null {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 1 && value <= 65535
      ? value
      : null;
  }
  if (typeof value === 'string' && /^\d{1,5}$/.test(value)) {
    const n = Number(value);
    return n >= 1 && n <= 65535 ? n : null;
  }
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `endpoints` is a map IP → (DP rank → endpoint): dynamic keys, so it is
 * checked key by key here, and every problem is reported with its path.
 */
export function endpointMapProblems(value: unknown): string[] {
  if (!isPlainObject(value))
    return ['endpoints must be an object mapping IP → {rank → endpoint}'];
  const found: string[] = [];
  let more = 0;
  const problems = {
    push(message: string) {
      if (found.length < MAX_ENDPOINT_PROBLEMS) found.push(message);
      else more++;
    },
  };
  const ips = Object.keys(value);
  if (ips.length === 0) problems.push('endpoints must name at least one IP');
  for (const ip of ips) {
    const at = `endpoints[${JSON.stringify(ip)}]`;
    if (isIP(ip) === 0)
      problems.push(`${at}: key must be an IPv4 or IPv6 address`);
    const ranks = value[ip];
    if (!isPlainObject(ranks)) {
      problems.push(`${at} must be an object mapping DP rank → endpoint`);
      continue;
    }
    if (Object.keys(ranks).length === 0)
      problems.push(`${at} must hold at least one endpoint`);
    for (const rank of Object.keys(ranks)) {
      const rat = `${at}[${JSON.stringify(rank)}]`;
      if (!/^(0|[1-9]\d{0,8})$/.test(rank))
        problems.push(`${rat}: key must be a decimal endpoint id (DP rank)`);
      const ep = ranks[rank];
      if (!isPlainObject(ep)) {
        problems.push(
          `${rat} must be an object {id, ip, business_port, mgmt_port}`,
        );
        continue;
      }
      if (typeof ep.id !== 'number' || String(ep.id) !== rank) {
        problems.push(
          `${rat}.id must be the integer ${/^\d+$/.test(rank) ? rank : 'of its key'} (it must match its key)`,
        );
      }
      if (ep.ip !== ip)
        problems.push(`${rat}.ip must equal its key ${JSON.stringify(ip)}`);
      for (const port of ['business_port', 'mgmt_port'] as const) {
        if (parsePort(ep[port]) === null) {
          problems.push(
            `${rat}.${port} must be an integer or decimal string in 1..65535`,
          );
        }
      }
    }
  }
  if (more > 0) found.push(`… and ${more} more`);
  return found;
}

@ValidatorConstraint({ name: 'endpointMap' })
class EndpointMapConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return endpointMapProblems(value).length === 0;
  }
  defaultMessage(args: ValidationArguments): string {
    return endpointMapProblems(args.value).join('; ');
  }
}

@ValidatorConstraint({ name: 'uniqueIds' })
class UniqueIdsConstraint implements ValidatorConstraintInterface {
  private duplicates(value: unknown): number[] {
    if (!Array.isArray(value)) return [];
    const seen = new Set<unknown>();
    const dup = new Set<number>();
    for (const item of value) {
      const id: unknown = isPlainObject(item) ? item.id : undefined;
      if (typeof id !== 'number') continue;
      if (seen.has(id)) dup.add(id);
      seen.add(id);
    }
    return [...dup];
  }
  validate(value: unknown): boolean {
    return this.duplicates(value).length === 0;
  }
  defaultMessage(args: ValidationArguments): string {
    return `instances must have unique ids; repeated: ${this.duplicates(args.value).join(', ')}`;
  }
}

/** The part every event needs. */
export class InstanceIdDto {
  @ApiProperty({ type: 'integer', example: 1, minimum: 0 })
  @IsInt({ message: 'id must be an integer ≥ 0' })
  @Min(0, { message: 'id must be an integer ≥ 0' })
  @Max(MAX_ID, { message: `id must be ≤ ${MAX_ID}` })
  id!: number;
}

export class EndpointDto {
  @ApiProperty({
    type: 'integer',
    example: 0,
    description: 'DP rank; equals its key',
  })
  id!: number;
  @ApiProperty({ example: '127.0.0.1', description: 'equals its key' })
  ip!: string;
  @ApiProperty({
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    example: '8080',
  })
  business_port!: number | string;
  @ApiProperty({
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    example: '8081',
  })
  mgmt_port!: number | string;
}

/** A full instance definition (add / set). Unlisted upstream fields are kept. */
export class InstanceDto extends InstanceIdDto {
  @ApiProperty({ example: 'test-job' })
  @IsString({ message: 'job_name must be a non-empty string' })
  @IsNotEmpty({ message: 'job_name must be a non-empty string' })
  job_name!: string;

  @ApiProperty({ example: 'test-model' })
  @IsString({ message: 'model_name must be a non-empty string' })
  @IsNotEmpty({ message: 'model_name must be a non-empty string' })
  model_name!: string;

  @ApiProperty({
    enum: ACCEPTED_ROLES,
    example: 'prefill',
    description: '`both`/`hybrid` are stored as `union`',
  })
  @IsIn(ACCEPTED_ROLES, {
    message: `role must be one of ${ACCEPTED_ROLES.join(', ')}`,
  })
  role!: string;

  @ApiProperty({
    description: 'IP → DP rank → endpoint',
    example: {
      '127.0.0.1': {
        '0': {
          id: 0,
          ip: '127.0.0.1',
          business_port: '8080',
          mgmt_port: '8081',
        },
      },
    },
    additionalProperties: {
      type: 'object',
      additionalProperties: { $ref: '#/components/schemas/EndpointDto' },
    },
  })
  @IsObject({
    message: 'endpoints must be an object mapping IP → {rank → endpoint}',
  })
  @Validate(EndpointMapConstraint)
  endpoints!: Record<string, Record<string, EndpointDto>>;

  @ApiPropertyOptional({
    type: 'string',
    example: 'vllm',
    description: 'kept as sent, like any other upstream field',
  })
  engine_type?: unknown;

  [UPSTREAM_FIELDS]?: Record<string, unknown>;
}

@ApiExtraModels(EndpointDto)
export class RefreshRequestDto {
  @ApiProperty({ enum: REFRESH_EVENTS, example: 'add' })
  @IsIn(REFRESH_EVENTS, {
    message: `event must be one of ${REFRESH_EVENTS.join(', ')}`,
  })
  event!: RefreshEvent;

  @ApiProperty({
    type: [InstanceDto],
    description:
      'full definitions for add/set; del/pause/resume need only `id`',
  })
  @IsArray({ message: 'instances must be an array' })
  @Validate(UniqueIdsConstraint)
  @ValidateNested({ each: true })
  instances!: (InstanceDto | InstanceIdDto)[];
}

export class RefreshResponseDataDto {
  @ApiProperty({ example: '2026-01-29T12:00:00.000Z' })
  timestamp!: string;
  @ApiProperty({ enum: REFRESH_EVENTS })
  event_type!: RefreshEvent;
  @ApiProperty({ type: 'integer', example: 1 })
  instance_count!: number;
}

export class RefreshResponseDto {
  @ApiProperty({ example: 'refresh_request' })
  request_id!: string;
  @ApiProperty({ example: 'success' })
  status!: string;
  @ApiProperty({ example: 'Instance refresh completed' })
  message!: string;
  @ApiProperty({ type: RefreshResponseDataDto })
  data!: RefreshResponseDataDto;
}
