import { createHmac } from 'node:crypto';
import { WebhookEndpoint } from '../../config/webhook.config';

/** Standard Webhooks' signature: HMAC-SHA256 of "<id>.<timestamp>.<body>", base64, "v1,". */
export function signWebhook(secret: Buffer, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * POSTs one signed event and answers the HTTP status; a refused connection or the timeout
 * throws. Redirects are not followed (a 3xx is a failure): the event goes to the configured
 * URL and nowhere else. The answer's body is never read.
 */
export async function postWebhook(
  endpoint: WebhookEndpoint,
  id: string,
  body: string,
  timeoutMs: number,
): Promise<number> {
  const timestamp = Math.floor(Date.now() / 1000);
  const response = await fetch(endpoint.url, {
    method: 'POST',
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
    headers: {
      'content-type': 'application/json',
      'user-agent': 'mail-relay-webhooks',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(endpoint.secret, id, timestamp, body),
    },
    body,
  });
  await response.body?.cancel();
  return response.status;
}
