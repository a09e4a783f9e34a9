import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SERVICE_VERSION } from '../bootstrap/version.js';

/** Every route of the management port (the index and the tests use this list). */
export const MANAGEMENT_ROUTES: Readonly<Record<string, string>> =
  Object.freeze({
    'GET /liveness': 'liveness check',
    'GET /startup': 'startup probe',
    'GET /readiness': 'readiness check',
    'POST /instances/refresh': 'refresh instances',
    'GET /instances': 'list instances with status and scrape status',
    'GET /': 'this index',
    'GET /docs': 'Swagger UI (OpenAPI document at /docs-json)',
  });

@ApiTags('index')
@Controller()
export class ManagementIndexController {
  @Get()
  @ApiOperation({ summary: 'Service information and route index' })
  @ApiOkResponse({
    description: 'service, version, description, endpoints, timestamp',
  })
  index() {
    return {
      service: 'Motor Coordinator Management Server',
      version: SERVICE_VERSION,
      description:
        'Management plane: liveness, startup, readiness, instance refresh',
      endpoints: MANAGEMENT_ROUTES,
      timestamp: new Date().toISOString(),
    };
  }
}
