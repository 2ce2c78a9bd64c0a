import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../email/http/request.decorators';
import { metricsRegistry } from '../common/metrics';
import { ROUTES } from '../common/paths';

@ApiTags('operations')
@Public()
@Controller(ROUTES.metrics)
export class MetricsController {
  @Get()
  @Header('Content-Type', metricsRegistry.contentType)
  @ApiOperation({ summary: 'Prometheus metrics of this process' })
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
