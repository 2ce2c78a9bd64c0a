import type { WebhookEventType } from '../../config/webhook.config';

/** The `data` of an event body (SPEC §7): never bodies, attachments or template context. */
export interface EmailEventData {
  email_id: string;
  status: string;
  from: string;
  to: string[];
  subject: string;
  tags?: string[];
  metadata?: Record<string, string>;
  attempts: number;
  message_id: string;
  error?: string;
  recipient?: string;
  diagnostic?: string;
}

/**
 * A webhook job: whose event and the exact body to sign. Neither the URL nor the secret: they
 * are looked up from config at delivery, so nothing in Redis can point a POST elsewhere.
 */
export interface WebhookJobData {
  owner: string;
  type: WebhookEventType;
  body: string;
}
