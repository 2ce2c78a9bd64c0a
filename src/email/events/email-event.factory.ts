import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EnvironmentVariables } from '../../config/env.validation';
import { WebhookEventType } from '../../config/webhook.config';
import { BullJobSpec } from '../../redis/bull-internals';
import { DELIVER_WEBHOOK_JOB } from '../store/email.constants';
import { EmailJobData } from '../store/email.types';
import { WebhookEndpoints } from './webhook-endpoints';
import { webhookJobOptions } from './webhook-queue.options';
import { EmailEventData, WebhookJobData } from './webhook.types';

/**
 * The email's fields an event tells: a job's data has them, and so can a record that outlives
 * the job (a bounce arrives days after the send).
 */
export type EmailSummary = Pick<
  EmailJobData,
  'id' | 'key' | 'from' | 'to' | 'subject' | 'tags' | 'metadata' | 'message_id'
>;

/** What changed, as the event's `data` carries it besides the email's own fields. */
export interface EmailChange {
  status: string;
  attempts: number;
  error?: string;
  recipient?: string;
  diagnostic?: string;
}

/**
 * Builds the webhook job of one event, or nothing when the email's key has no endpoint or
 * filters the type out. The job is written by the same script as the state change it tells
 * of (EmailStatusStore), so a change and its event are stored together or not at all. A new
 * event type is a name in WEBHOOK_EVENT_TYPES and a call of build() where it happens.
 */
@Injectable()
export class EmailEventFactory {
  private readonly opts: string;

  constructor(
    private readonly endpoints: WebhookEndpoints,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.opts = JSON.stringify(webhookJobOptions(config));
  }

  /** Whether `owner`'s endpoint takes `type`: no need to gather an event nobody gets. */
  wanted(owner: string, type: WebhookEventType): boolean {
    return this.endpoints.wants(owner, type);
  }

  /**
   * `occurrence` tells apart the events of one type that an email can have several of (a
   * delay per attempt, `report` for the delay a report told of after the send): the event id, hence `webhook-id`, is the same on every retry and
   * for a repeated emit of the same event, and differs between events.
   */
  build(
    email: EmailSummary,
    type: WebhookEventType,
    change: EmailChange,
    occurrence?: number | 'report',
  ): BullJobSpec | undefined {
    if (!this.endpoints.wants(email.key, type)) return undefined;
    const suffix = occurrence === undefined ? '' : `_${occurrence}`;
    const id = `evt_${email.id}_${type.slice(type.indexOf('.') + 1)}${suffix}`;
    const data = this.describe(email, change);
    const body = JSON.stringify({ type, timestamp: new Date().toISOString(), data });
    const job: WebhookJobData = { owner: email.key, type, body };
    return { id, name: DELIVER_WEBHOOK_JOB, data: JSON.stringify(job), opts: this.opts };
  }

  private describe(email: EmailSummary, change: EmailChange): EmailEventData {
    return {
      email_id: email.id,
      status: change.status,
      from: email.from.address,
      to: email.to.map(({ address }) => address),
      subject: email.subject,
      tags: email.tags,
      metadata: email.metadata,
      attempts: change.attempts,
      message_id: email.message_id,
      error: change.error,
      recipient: change.recipient,
      diagnostic: change.diagnostic,
    };
  }
}
