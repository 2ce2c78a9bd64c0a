import { Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { JsonBodyInterceptor } from '../../common/json-body.interceptor';
import { EmailModule } from '../email.module';
import { IdempotencyStore } from '../store/idempotency.store';
import { RateLimitStore } from '../store/rate-limit.store';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyStore } from './api-key.store';
import { EmailJobBuilder } from './email-job.builder';
import { EmailController } from './email.controller';
import { EmailService } from './email.service';
import { IdempotencyService } from './idempotency.service';
import { RateLimitInterceptor } from './rate-limit.interceptor';
import { TemplatesController } from './templates.controller';

/** The HTTP API (ROLE api and all): accepts, checks and queues email; answers status. */
@Module({
  imports: [EmailModule],
  controllers: [EmailController, TemplatesController],
  providers: [
    // Who is calling first, before a byte of the body is read; then the body (on routes that
    // take one); then the key's budget, which counts the body's emails. Order matters.
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_INTERCEPTOR, useClass: JsonBodyInterceptor },
    { provide: APP_INTERCEPTOR, useClass: RateLimitInterceptor },
    ApiKeyStore,
    RateLimitStore,
    IdempotencyStore,
    IdempotencyService,
    EmailJobBuilder,
    EmailService,
  ],
})
export class EmailApiModule {}
