import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EmailQueueConnection } from './store/email-queue.connection';
import { queueOptions } from './store/email-queue.options';
import { EmailStatsStore } from './store/email-stats.store';
import { EmailStatusStore } from './store/email-status.store';
import { EMAIL_QUEUE, WEBHOOK_QUEUE } from './store/email.constants';
import { EmailEventFactory } from './events/email-event.factory';
import { WebhookEndpoints } from './events/webhook-endpoints';
import { webhookQueueOptions } from './events/webhook-queue.options';
import { TemplateService } from './template.service';
import { ReturnPathService } from './bounces/return-path.service';

const SHARED = [
  EmailQueueConnection,
  EmailStatusStore,
  EmailStatsStore,
  TemplateService,
  WebhookEndpoints,
  EmailEventFactory,
  ReturnPathService,
];

/**
 * The email feature's shared part, loaded by every role: the queues (emails, and their
 * delivery events), the Redis records both sides read and write, and the templates. The API side is http/email-api.module.ts,
 * the sending side worker/email-worker.module.ts; AppModule picks them by ROLE.
 */
@Module({
  imports: [
    BullModule.registerQueueAsync({
      name: EMAIL_QUEUE,
      inject: [ConfigService],
      useFactory: queueOptions,
    }),
    BullModule.registerQueueAsync({
      name: WEBHOOK_QUEUE,
      inject: [ConfigService],
      useFactory: webhookQueueOptions,
    }),
  ],
  providers: SHARED,
  exports: [BullModule, ...SHARED],
})
export class EmailModule {}
