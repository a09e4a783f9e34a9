import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { serviceIndex } from '../http/service-index.js';
import { InstanceRegistry } from '../instances/instance-registry.js';

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
  constructor(private readonly registry: InstanceRegistry) {}

  @Get()
  @ApiOperation({ summary: 'Service information and route index' })
  @ApiOkResponse({
    description:
      'service, version, description, endpoints, registry (where the instance registry lives: memory or etcd), timestamp',
  })
  index() {
    const { timestamp, ...rest } = serviceIndex(
      'Motor Coordinator Management Server',
      'Management plane: liveness, startup, readiness, instance refresh',
      MANAGEMENT_ROUTES,
    );
    return { ...rest, registry: this.registry.storage, timestamp };
  }
}
