import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The body of every error answer (see ErrorBodyFilter). */
export class ErrorBodyDto {
  @ApiPropertyOptional({
    description: 'the X-Request-Id of the request, when it sent one',
    example: 'refresh-42',
  })
  request_id?: string;

  @ApiProperty({ enum: ['error'], example: 'error' })
  status!: 'error';

  @ApiProperty({ example: 'request validation failed' })
  message!: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'every problem found, with its path',
    example: ['instances[0].role: role must be one of prefill, decode, union'],
  })
  errors?: string[];
}
