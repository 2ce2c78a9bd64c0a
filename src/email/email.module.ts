import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { EnvironmentVariables } from '../env.validation';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyStore } from './api-key.store';
import { EmailStatusStore } from './email-status.store';
import { EMAIL_QUEUE } from './email.constants';
import { EmailController } from './email.controller';
import { EmailProcessor } from './email.processor';
import { EmailService } from './email.service';
import { TemplateService } from './template.service';

const DAY_SECONDS = 24 * 3600;

@Module({
  imports: [
    BullModule.registerQueueAsync({
      name: EMAIL_QUEUE,
      inject: [ConfigService],
      useFactory: (config: ConfigService<EnvironmentVariables, true>) => ({
        defaultJobOptions: {
          attempts: config.get('SEND_ATTEMPTS', { infer: true }),
          backoff: { type: 'exponential', delay: config.get('SEND_BACKOFF_MS', { infer: true }) },
          // Bull's copies are for Bull Board; the 7-day status record is the source of truth.
          removeOnComplete: { age: DAY_SECONDS, count: 10_000 },
          removeOnFail: { age: 14 * DAY_SECONDS },
        },
      }),
    }),
  ],
  controllers: [EmailController],
  providers: [
    ApiKeyStore,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    EmailService,
    EmailStatusStore,
    EmailProcessor,
    TemplateService,
  ],
})
export class EmailModule {}
