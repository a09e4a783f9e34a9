import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, ValidateIf } from 'class-validator';
import { ROLES, type Role } from '../instances/role.js';
import { VIEW_TYPES, type ViewType } from '../aggregate/views.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../render/render.types.js';

const given = (v: unknown) => v !== undefined && v !== '';

/**
 * The query of `GET /metrics` (SPEC): an unknown `type` means `full`; `role`
 * counts only with `type=role` and must then be a role; `format` must be a
 * format. Empty values are absent ones.
 */
export class MetricsQueryDto {
  @ApiPropertyOptional({
    enum: VIEW_TYPES,
    description: 'the view; unknown values mean full',
  })
  type?: unknown;

  @ApiPropertyOptional({
    enum: ROLES,
    description: 'only with type=role (ignored otherwise); default all roles',
  })
  @ValidateIf((q: MetricsQueryDto) => q.type === 'role' && given(q.role))
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role?: unknown;

  @ApiPropertyOptional({ enum: OUTPUT_FORMATS, default: 'prometheus' })
  @ValidateIf((q: MetricsQueryDto) => given(q.format))
  @IsIn(OUTPUT_FORMATS, {
    message: `format must be one of ${OUTPUT_FORMATS.join(', ')}`,
  })
  format?: unknown;

  view(): ViewType {
    return VIEW_TYPES.includes(this.type as ViewType)
      ? (this.type as ViewType)
      : 'full';
  }

  roleFilter(): Role | undefined {
    return this.view() === 'role' && given(this.role)
      ? (this.role as Role)
      : undefined;
  }

  outputFormat(): OutputFormat {
    return given(this.format) ? (this.format as OutputFormat) : 'prometheus';
  }
}

/** Validates the query; a 400 names the first problem (the allowed values). */
export const metricsQueryPipe = new ValidationPipe({
  transform: true,
  whitelist: false,
  forbidUnknownValues: false,
  stopAtFirstError: true,
  validationError: { target: false, value: false },
  exceptionFactory: (errors) =>
    new BadRequestException(
      Object.values(errors[0]?.constraints ?? {})[0] ?? 'invalid query',
    ),
});
