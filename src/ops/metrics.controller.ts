import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SupervisorLink } from '../cluster/supervisor-link';
import { Public } from '../email/http/request.decorators';
import { metricsRegistry } from '../common/metrics';
import { ROUTES } from '../common/paths';

@ApiTags('operations')
@Public()
@Controller(ROUTES.metrics)
export class MetricsController {
  constructor(private readonly supervisor: SupervisorLink) {}

  @Get()
  @Header('Content-Type', metricsRegistry.contentType)
  @ApiOperation({
    summary: 'Prometheus metrics of the service: under ROLE=all, of all its processes together',
  })
  metrics(): Promise<string> {
    // Under the supervisor, the counts of every process (a worker's sends included), summed.
    return this.supervisor.supervised ? this.supervisor.metrics() : metricsRegistry.metrics();
  }
}
