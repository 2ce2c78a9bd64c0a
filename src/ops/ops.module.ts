import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SupervisorLink } from '../cluster/supervisor-link';
import { EmailModule } from '../email/email.module';
import { HealthController } from './health.controller';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsController } from './metrics.controller';
import { QueueMetrics } from './queue-metrics';

/** What every role serves to operators: health and metrics (a worker's HEALTH_PORT has only these). */
@Module({
  // Terminus would log every failed check, i.e. each probe during an outage, with Redis'
  // error text; EmailQueueConnection logs one line per outage instead.
  imports: [TerminusModule.forRoot({ logger: false }), EmailModule],
  controllers: [HealthController, MetricsController],
  providers: [QueueMetrics, SupervisorLink],
})
export class OpsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }
}
