import Redis from 'ioredis';
import { APP_KEY } from './support/fixtures';
import { useStack } from './support/service';

/** Redis Cluster's hash tag: the part between the first "{" and the next "}", if not empty. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

/**
 * Bull on Redis Cluster needs every key of a queue in one slot: a hash-tagged prefix. No
 * cluster runs here, so this checks what a cluster would need: with QUEUE_PREFIX={mail},
 * every key the service writes carries the one tag (rate-limit keys pair up on their own).
 */
describe('QUEUE_PREFIX with a Redis Cluster hash tag', () => {
  const stack = useStack(() => ({ QUEUE_PREFIX: '{mail}', API_KEYS: `app:${APP_KEY}` }));

  it('keeps every queue, status, stats and idempotency key in one hash slot', async () => {
    const body = {
      email_to: 'ann@example.com',
      email_from: 'no-reply@shop.example',
      subject: 'Tagged',
      message: { text: 'x' },
    };
    const { body: accepted } = await stack.service.http
      .post('/send-email/')
      .set('X-API-Key', APP_KEY)
      .set('Idempotency-Key', 'k1')
      .send(body)
      .expect(202);
    await stack.service.finished((accepted as { id: string }).id);
    const scheduled = { ...body, send_at: new Date(Date.now() + 3_600_000).toISOString() };
    await stack.service.http
      .post('/send-email/batch')
      .set('X-API-Key', APP_KEY)
      .send({ emails: [body, scheduled] })
      .expect(202);

    const client = new Redis(stack.redis.url);
    const keys = await client.keys('*');
    client.disconnect();
    const rateLimit = keys.filter((key) => key.includes(':rate-limit:'));
    const queueKeys = keys.filter((key) => !rateLimit.includes(key));
    expect(queueKeys.length).toBeGreaterThan(5);
    for (const kind of [':status:', ':stats:', ':idempotency:', ':delayed', ':completed']) {
      expect({ kind, found: queueKeys.some((key) => key.includes(kind)) }).toEqual({
        kind,
        found: true,
      });
    }
    expect(new Set(queueKeys.map(hashTag))).toEqual(new Set(['mail']));
    expect(rateLimit.length).toBeGreaterThanOrEqual(1);
    for (const key of rateLimit)
      expect(hashTag(key)).toBe(hashTag(key.replace(/:(hits|blocked)$/, ':blocked')));
  });
});
