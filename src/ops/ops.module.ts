import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EmailModule } from '../email/email.module';
import { HealthController } from './health.controller';
import { InfoController } from './info.controller';
import { InfoService } from './info.service';
import { MetricsController } from './metrics.controller';

/** The surfaces for operators and people: info page, health, metrics. */
@Module({
  // Terminus would log every failed check, i.e. each probe during an outage, with Redis'
  // error text; EmailQueueConnection logs one line per outage instead.
  imports: [TerminusModule.forRoot({ logger: false }), EmailModule],
  controllers: [InfoController, HealthController, MetricsController],
  providers: [InfoService],
})
export class OpsModule {}
