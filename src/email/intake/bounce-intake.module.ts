import { Module } from '@nestjs/common';
import { EmailModule } from '../email.module';
import { SuppressionStore } from '../suppressions/suppression.store';
import { BounceIntake } from './bounce-intake.service';
import { BounceReportStore } from './bounce-report.store';
import { BouncesController } from './bounces.controller';
import { BounceListener } from './bounce.listener';
import { ReportEffectBuilder } from './report-effect.builder';

/**
 * Bounce and complaint intake (ROLE api and all): like HTTP requests, reports come in from
 * outside, so the API processes take them, by POST /bounces and the SMTP listener. A worker
 * process opens no port: it stays one that only sends.
 */
@Module({
  imports: [EmailModule],
  controllers: [BouncesController],
  providers: [
    SuppressionStore,
    BounceReportStore,
    ReportEffectBuilder,
    BounceIntake,
    BounceListener,
  ],
  exports: [BounceIntake],
})
export class BounceIntakeModule {}
