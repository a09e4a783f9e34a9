import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  type ApiPropertyOptions,
  getSchemaPath,
} from '@nestjs/swagger';
import { ROLES, type Role } from '../../instances/role.js';
import type { InstanceStatus } from '../../instances/instance.types.js';

/** The last scrape of one endpoint. */
export interface ScrapeStatusDto {
  /** the last scrape gave ≥ 1 sample */
  readonly up: boolean;
  readonly last_success: string | null;
  readonly last_error: string | null;
  readonly stale: boolean;
}

const SCRAPE_STATUS_SCHEMA: ApiPropertyOptions = {
  type: 'object',
  nullable: true,
  description: 'null until the endpoint was in a scrape cycle',
  required: ['up', 'last_success', 'last_error', 'stale'],
  properties: {
    up: { type: 'boolean', description: 'the last scrape gave ≥ 1 sample' },
    last_success: {
      type: 'string',
      format: 'date-time',
      nullable: true,
      description: 'time of the last good scrape; null: never',
    },
    last_error: {
      type: 'string',
      nullable: true,
      example: 'HTTP 500',
      description: 'why the last scrape failed; null when it did not',
    },
    stale: {
      type: 'boolean',
      description: 'the last good samples are too old to contribute',
    },
  },
};

/** One DP rank of an instance, with its scrape status. */
export class EndpointViewDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 0 })
  id!: number;

  @ApiProperty({ example: '127.0.0.1' })
  ip!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 65535, example: 8080 })
  business_port!: number;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 65535, example: 8081 })
  mgmt_port!: number;

  @ApiProperty(SCRAPE_STATUS_SCHEMA)
  scrape!: ScrapeStatusDto | null;
}

/**
 * A registered instance in the refresh shape, plus its status and the
 * scrape status of each endpoint. Other upstream fields (engine_type,
 * parallel_config, …) come back as they were sent; an upstream `status` as
 * `upstream_status`.
 */
@ApiExtraModels(EndpointViewDto)
export class InstanceViewDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 1 })
  id!: number;

  @ApiProperty({ example: 'test-job' })
  job_name!: string;

  @ApiProperty({ example: 'test-model' })
  model_name!: string;

  @ApiProperty({ enum: ROLES, example: 'prefill' })
  role!: Role;

  @ApiProperty({
    type: 'object',
    description: 'IP → DP rank → endpoint',
    additionalProperties: {
      type: 'object',
      additionalProperties: { $ref: getSchemaPath(EndpointViewDto) },
    },
  })
  endpoints!: Record<string, Record<string, EndpointViewDto>>;

  @ApiProperty({ enum: ['active', 'paused'] })
  status!: InstanceStatus;

  @ApiPropertyOptional({
    description: 'an upstream `status` field, kept as sent',
  })
  upstream_status?: unknown;

  [upstream: string]: unknown;
}

export class InstanceListDto {
  @ApiProperty({ type: [InstanceViewDto] })
  instances!: InstanceViewDto[];
}
