import { BullBoardModule } from '@bull-board/nestjs';
import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { QueueOptions } from 'bull';
import { EnvironmentVariables } from '../env.validation';
import { ApiKeyGuard } from './http/api-key.guard';
import { ApiKeyStore } from './http/api-key.store';
import { EmailJobBuilder } from './email-job.builder';
import { EmailBoardAdapter } from './email-board.adapter';
import { EmailQueueConnection } from './store/email-queue.connection';
import { EmailStatsStore } from './store/email-stats.store';
import { EmailStatusStore } from './store/email-status.store';
import { BACKOFF_STRATEGY, EMAIL_QUEUE, MAX_STALLS } from './email.constants';
import { EmailController } from './http/email.controller';
import { EmailProcessor } from './worker/email.processor';
import { EmailService } from './http/email.service';
import { IdempotencyService } from './http/idempotency.service';
import { IdempotencyStore } from './store/idempotency.store';
import { JsonBodyInterceptor } from '../common/json-body.interceptor';
import { RateLimitInterceptor } from './http/rate-limit.interceptor';
import { RateLimitStore } from './store/rate-limit.store';
import { retryDelay } from './worker/send-failure';
import { TemplateService } from './template.service';
import { TemplatesController } from './http/templates.controller';

const DAY_SECONDS = 24 * 3600;

function queueOptions(config: ConfigService<EnvironmentVariables, true>): QueueOptions {
  const base = config.get('SEND_BACKOFF_MS', { infer: true });
  const cap = config.get('SEND_BACKOFF_MAX_MS', { infer: true });
  const lock = config.get('JOB_LOCK_MS', { infer: true });
  return {
    settings: {
      // A killed worker's job is taken up again once its lock expires (at most ~2 × lock).
      lockDuration: lock,
      stalledInterval: lock,
      // A mail that takes its worker down again and again is failed, not retried forever.
      maxStalledCount: MAX_STALLS,
      // After a Redis outage, resume processing and delayed retries within a second
      // (Bull's defaults wait 5 s); each costs one cheap Redis call per interval.
      retryProcessDelay: 1000,
      guardInterval: 1000,
      backoffStrategies: {
        [BACKOFF_STRATEGY]: (attemptsMade: number) => retryDelay(attemptsMade, base, cap),
      },
    },
    defaultJobOptions: {
      attempts: config.get('SEND_ATTEMPTS', { infer: true }),
      backoff: { type: BACKOFF_STRATEGY },
      // Bull's copies are for Bull Board; the 7-day status record is the source of truth.
      removeOnComplete: { age: DAY_SECONDS, count: 10_000 },
      // Failed jobs keep their bodies for a retry: bounded in number too, not only in age.
      removeOnFail: {
        age: 14 * DAY_SECONDS,
        count: config.get('FAILED_JOBS_KEPT', { infer: true }),
      },
    },
  };
}

@Module({
  imports: [
    BullBoardModule.forFeature({
      name: EMAIL_QUEUE,
      adapter: EmailBoardAdapter,
      options: { allowRetries: true },
    }),
    BullModule.registerQueueAsync({
      name: EMAIL_QUEUE,
      inject: [ConfigService],
      useFactory: queueOptions,
    }),
  ],
  controllers: [EmailController, TemplatesController],
  providers: [
    ApiKeyStore,
    // Who is calling first, before a byte of the body is read; then the body (on routes that
    // take one); then the key's budget, which counts the body's emails. Order matters.
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_INTERCEPTOR, useClass: JsonBodyInterceptor },
    { provide: APP_INTERCEPTOR, useClass: RateLimitInterceptor },
    RateLimitStore,
    EmailJobBuilder,
    EmailQueueConnection,
    EmailService,
    IdempotencyService,
    IdempotencyStore,
    EmailStatusStore,
    EmailProcessor,
    TemplateService,
    EmailStatsStore,
  ],
  exports: [BullModule, TemplateService, EmailStatsStore, EmailQueueConnection],
})
export class EmailModule {}
