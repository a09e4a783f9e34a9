import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { serviceIndex } from '../http/service-index.js';

/** Every route of the observability port. */
export const OBSERVABILITY_ROUTES: Readonly<Record<string, string>> =
  Object.freeze({
    'GET /metrics':
      'aggregated metrics (?type=full|instance|role|dp|node&role=…&format=prometheus|opentelemetry)',
    'GET /instance/metrics': 'deprecated (410): use GET /metrics?type=instance',
    'GET /health': 'observability server and scrape loop health',
    'GET /': 'this index',
    'GET /docs': 'Swagger UI (OpenAPI document at /docs-json)',
  });

@ApiTags('index')
@Controller()
export class ObservabilityIndexController {
  @Get()
  @ApiOperation({ summary: 'Service information and route index' })
  @ApiOkResponse({
    description: 'service, version, description, endpoints, timestamp',
  })
  index() {
    return serviceIndex(
      'Motor Coordinator Observability Server',
      'Observability plane: aggregated engine metrics, health',
      OBSERVABILITY_ROUTES,
    );
  }
}
