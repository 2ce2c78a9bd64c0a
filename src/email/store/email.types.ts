import { EmailStatusDto } from '../dto/responses.dto';
import { MailAddress } from '../../mail-syntax/address.parser';

export interface EmailAttachment {
  filename: string;
  /** base64, as received; decoded only by the worker. */
  content: string;
  content_type?: string;
}

/** What a queued job carries: addresses already parsed, nothing the worker must re-validate. */
export interface EmailJobData {
  id: string;
  key: string;
  message_id: string;
  created_at: string;
  from: MailAddress;
  to: MailAddress[];
  cc?: MailAddress[];
  bcc?: MailAddress[];
  reply_to?: MailAddress;
  subject: string;
  text?: string;
  html?: string;
  template?: string;
  context?: Record<string, unknown>;
  headers?: Record<string, string>;
  attachments?: EmailAttachment[];
  /** Only for the events' payloads (the status record keeps its own copy). */
  tags?: string[];
  metadata?: Record<string, string>;
  /** From a test-mode key: rendered and recorded, written to the outbox, never sent. */
  test?: boolean;
}

export type EmailState = EmailStatusDto['status'];

/** GET /send-email/:id; the class documents it in Swagger. */
export type EmailStatus = EmailStatusDto;

/**
 * What a sent email's job keeps in Redis: who, what about and how, for Bull Board; never its
 * bodies, template context or attachment content (SPEC §10).
 */
export function restingData(data: EmailJobData): EmailJobData {
  const kept: EmailJobData = { ...data, text: undefined, html: undefined, context: undefined };
  const { attachments } = data;
  return {
    ...kept,
    attachments: attachments?.map(({ filename, content_type }) => ({
      filename,
      content: '',
      content_type,
    })),
  };
}
