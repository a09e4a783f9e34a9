import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Post,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { ErrorBodyDto } from '../../http/error-body.dto.js';
import { ApiKeyGuard } from '../http/api-key.guard.js';
import { InstanceListDto } from './instance-view.dto.js';
import { RefreshRequestDto, RefreshResponseDto } from './refresh.dto.js';
import { InstancesService } from './instances.service.js';

@ApiTags('instances')
@ApiSecurity('api-key')
@ApiBearerAuth('api-key-bearer')
@ApiUnauthorizedResponse({
  description: 'an API key is configured and missing or wrong',
  type: ErrorBodyDto,
})
@UseGuards(ApiKeyGuard)
@Controller('instances')
export class InstancesController {
  constructor(private readonly instances: InstancesService) {}

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Refresh the instance list (add / del / set / pause / resume)',
    description:
      'The whole request is validated first; any error changes nothing. add inserts or replaces by id, del removes by id, set replaces the registry, pause/resume keep an instance registered but (in)active.',
  })
  @ApiHeader({
    name: 'x-request-id',
    required: false,
    description: 'echoed as request_id (default "refresh_request")',
  })
  @ApiOkResponse({ type: RefreshResponseDto })
  @ApiBadRequestResponse({
    description: 'invalid JSON or fields; every offending path is named',
    type: ErrorBodyDto,
  })
  @ApiPayloadTooLargeResponse({
    description: 'body over 10 MiB, or a registry too large for etcd',
    type: ErrorBodyDto,
  })
  @ApiUnsupportedMediaTypeResponse({
    description: 'body is not JSON',
    type: ErrorBodyDto,
  })
  @ApiServiceUnavailableResponse({
    description:
      'the registry (etcd) is unavailable; nothing was changed, retry',
    type: ErrorBodyDto,
  })
  async refresh(
    @Body() body: RefreshRequestDto,
    @Headers('x-request-id') requestId?: string,
  ): Promise<RefreshResponseDto> {
    const count = await this.instances.refresh(body);
    return {
      request_id: requestId && requestId !== '' ? requestId : 'refresh_request',
      status: 'success',
      message: 'Instance refresh completed',
      data: {
        timestamp: new Date().toISOString(),
        event_type: body.event,
        instance_count: count,
      },
    };
  }

  @Get()
  @ApiOperation({
    summary:
      'Registered instances with their status and per-endpoint scrape status',
  })
  @ApiOkResponse({
    description: 'the instances in the refresh shape, plus status and scrape',
    type: InstanceListDto,
  })
  list(): InstanceListDto {
    return this.instances.list();
  }
}
