import { MailerModule } from '@nestjs-modules/mailer';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EmailModule } from '../email.module';
import { EmailOutcomeStore } from '../store/email-outcome.store';
import { EmailOutcomeRecorder } from './email-outcome.recorder';
import { EmailProcessor } from './email.processor';
import { MailPreparer } from './mail.preparer';
import { SendLoad } from './webhooks/send-load';
import { WebhookHoldStore } from './webhooks/webhook-hold.store';
import { WebhookDelivery } from './webhooks/webhook.delivery';
import { WebhookDispatcher } from './webhooks/webhook.dispatcher';
import { WebhookProcessor } from './webhooks/webhook.processor';
import { SendSuppressions } from '../suppressions/send-suppressions';
import { SuppressionStore } from '../suppressions/suppression.store';
import { mailerOptions } from './mail-transport';
import { FailoverSender } from './transports/failover.sender';
import { TransportState } from './transports/transport.state';

/** The sending side (ROLE worker and all): sends the queue's emails
 * (only it opens SMTP connections) and POSTs their events to the keys' webhooks. */
@Module({
  imports: [
    EmailModule,
    MailerModule.forRootAsync({ inject: [ConfigService], useFactory: mailerOptions }),
  ],
  providers: [
    EmailProcessor,
    MailPreparer,
    EmailOutcomeStore,
    EmailOutcomeRecorder,
    SendLoad,
    WebhookProcessor,
    WebhookDelivery,
    WebhookDispatcher,
    WebhookHoldStore,
    SuppressionStore,
    SendSuppressions,
    FailoverSender,
    TransportState,
  ],
})
export class EmailWorkerModule {}
