import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JsonBodyGuard } from '../../common/json-body.guard';
import { EmailModule } from '../email.module';
import { EmailScheduleStore } from '../store/email-schedule.store';
import { IdempotencyStore } from '../store/idempotency.store';
import { RateLimitStore } from '../store/rate-limit.store';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyStore } from './api-key.store';
import { EmailJobBuilder } from './email-job.builder';
import { EmailController } from './email.controller';
import { EmailService } from './email.service';
import { IdempotencyService } from './idempotency.service';
import { RateLimitGuard } from './rate-limit.guard';
import { TemplatesController } from './templates.controller';

/** The HTTP API (ROLE api and all): accepts, checks and queues email; answers status. */
@Module({
  imports: [EmailModule],
  controllers: [EmailController, TemplatesController],
  providers: [
    // Nest runs these global guards in this order, and the order matters: who is calling
    // first, before a byte of the body is read; then the body (on routes that take one);
    // then the key's budget, which counts the body's emails.
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: JsonBodyGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    ApiKeyStore,
    RateLimitStore,
    IdempotencyStore,
    IdempotencyService,
    EmailScheduleStore,
    EmailJobBuilder,
    EmailService,
  ],
})
export class EmailApiModule {}
