import { InjectQueue } from '@nestjs/bull';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Queue } from 'bull';
import { Public } from '../email/http/api-key.guard';
import { EMAIL_QUEUE } from '../email/email.constants';
import { countQueueJobsWith, metricsRegistry } from '../common/metrics';
import { ROUTES } from '../common/routes';

@ApiTags('operations')
@Public()
@Controller(ROUTES.metrics)
export class MetricsController {
  constructor(@InjectQueue(EMAIL_QUEUE) queue: Queue) {
    countQueueJobsWith(async () => ({ ...(await queue.getJobCounts()) }));
  }

  @Get()
  @Header('Content-Type', metricsRegistry.contentType)
  @ApiOperation({ summary: 'Prometheus metrics of this process' })
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
