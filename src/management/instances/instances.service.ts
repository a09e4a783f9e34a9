import { Injectable } from '@nestjs/common';
import { InstanceRegistry } from '../../instances/instance-registry.js';
import type { Instance } from '../../instances/instance.types.js';
import { ViewStore } from '../../pipeline/view-store.js';
import { endpointKey } from '../../scrape/scrape.types.js';
import type { RefreshRequestDto } from './refresh.dto.js';
import type {
  EndpointViewDto,
  InstanceListDto,
  InstanceViewDto,
} from './instance-view.dto.js';
import { toCommand } from './to-command.js';
import type { EndpointScrapeStatus } from '../../aggregate/aggregate.types.js';

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

@Injectable()
export class InstancesService {
  constructor(
    private readonly registry: InstanceRegistry,
    private readonly metrics: ViewStore,
  ) {}

  async refresh(dto: RefreshRequestDto): Promise<number> {
    const outcome = await this.registry.apply(toCommand(dto));
    return outcome.ids.length;
  }

  list(): InstanceListDto {
    return { instances: this.registry.list().map((i) => this.view(i)) };
  }

  private view(inst: Instance): InstanceViewDto {
    const endpoints: Record<string, Record<string, EndpointViewDto>> = {};
    for (const [ip, ranks] of Object.entries(inst.endpoints)) {
      const out: Record<string, EndpointViewDto> = {};
      for (const [rank, ep] of Object.entries(ranks)) {
        const s: EndpointScrapeStatus | undefined = this.metrics.endpointStatus(
          endpointKey(inst.id, ip, Number(rank)),
        );
        out[rank] = {
          ...ep,
          scrape: s
            ? {
                up: s.up,
                last_success: iso(s.lastSuccessAt),
                last_error: s.lastError,
                stale: s.stale,
              }
            : null,
        };
      }
      endpoints[ip] = out;
    }
    const { status: upstreamStatus, ...extra } = inst.extra;
    return {
      ...extra,
      ...(upstreamStatus !== undefined
        ? { upstream_status: upstreamStatus }
        : {}),
      id: inst.id,
      job_name: inst.job_name,
      model_name: inst.model_name,
      role: inst.role,
      endpoints,
      status: inst.status,
    };
  }
}
