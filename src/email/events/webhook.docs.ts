import { WEBHOOK_EVENT_TYPES, WebhookEventType } from '../../config/webhook.config';
import { EmailEventData } from './webhook.types';

const BASE: EmailEventData = {
  email_id: '6f1c2a9e-3b1d-4c55-9a0e-2f9d3c7b8e11',
  status: 'sent',
  from: 'no-reply@shop.example',
  to: ['ann@example.com'],
  subject: 'Confirm your address',
  tags: ['signup'],
  metadata: { user_id: '42' },
  attempts: 1,
  message_id: '<6f1c2a9e-3b1d-4c55-9a0e-2f9d3c7b8e11@shop.example>',
};

/** What each type means, and how its `data` differs from an email.sent's. */
const TYPES: Record<WebhookEventType, [string, Partial<EmailEventData>]> = {
  'email.sent': ['the SMTP server answered 250', {}],
  'email.delivery_delayed': [
    'a transient failure (SMTP 4xx, timeout); another try is coming; or a delay report after the 250',
    { status: 'queued', error: '451 4.3.0 Try again later' },
  ],
  'email.failed': [
    'refused for good (SMTP 5xx) or out of tries',
    { status: 'failed', error: '550 5.1.1 No such user' },
  ],
  'email.canceled': ['a scheduled email was canceled', { status: 'canceled', attempts: 0 }],
  'email.suppressed': [
    'every recipient is on the key’s suppression list: nothing was sent',
    { status: 'suppressed' },
  ],
  'email.bounced': [
    'a bounce report came back after the 250; the recipient is suppressed',
    { status: 'bounced', recipient: 'ann@example.com', diagnostic: '550 5.1.1 No such user' },
  ],
  'email.complained': [
    'a complaint: the recipient marked it as spam and is suppressed',
    { recipient: 'ann@example.com' },
  ],
};

/** A sample body of each type, as the endpoint receives it. */
export function sampleEvent(type: WebhookEventType): object {
  return { type, timestamp: '2026-12-01T09:00:01.204Z', data: { ...BASE, ...TYPES[type][1] } };
}

/** The webhooks section of the API description in Swagger (/docs). */
export const WEBHOOK_DOCS = `
## Delivery events (webhooks)
Each API key's events are POSTed to its endpoint (its key file entry's \`webhook\`, else
\`WEBHOOK_URL\`), signed per [Standard Webhooks](https://www.standardwebhooks.com/): headers
\`webhook-id\`, \`webhook-timestamp\`, \`webhook-signature\`. Verify with the \`standardwebhooks\`
package: \`new Webhook(secret).verify(rawBody, headers)\`. Delivery is at least once: dedupe on
\`webhook-id\` (the same on every retry). Answer 2xx within 10 s; anything else is retried with
exponential backoff for about 16 hours. Order between events is not guaranteed.

| type | when |
|---|---|
${WEBHOOK_EVENT_TYPES.map((type) => `| \`${type}\` | ${TYPES[type][0]} |`).join('\n')}

Sample \`email.sent\`:
\`\`\`json
${JSON.stringify(sampleEvent('email.sent'), null, 2)}
\`\`\`
`;
