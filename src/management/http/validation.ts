import { BadRequestException, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

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

/** Whole-request validation: every problem is reported, nothing is applied. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: false,
    forbidUnknownValues: false,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new RequestValidationException(flattenValidationErrors(errors)),
  });
}
