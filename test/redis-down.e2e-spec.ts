import { once } from 'node:events';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_KEY, useStack } from './support/app';

const request = {
  email_to: 'ann@example.com',
  email_from: 'no-reply@shop.example',
  subject: 'During outage',
  message: { text: 'x' },
};

describe('Redis unreachable', () => {
  const outbox = mkdtempSync(join(tmpdir(), 'mail-outbox-'));

  const stack = useStack(
    () => ({ QUEUE_PREFIX: 'redis-down-e2e', OUTBOX_DIR: outbox, API_KEYS: `app:${APP_KEY}` }),
    { smtp: false },
  );

  it('answers POST with 503 within 3 s and accepts nothing, then recovers without a restart', async () => {
    await stack.redis.kill();
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const response = await stack.t.http
        .post('/send-email/')
        .set('X-API-Key', APP_KEY)
        .send(request)
        .expect(503);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(response.body).toMatchObject({ statusCode: 503, code: 'queue_unavailable' });
      expect(response.headers['retry-after']).toBeDefined();
    }
    const status = await stack.t.http
      .get('/send-email/00000000-0000-4000-8000-000000000000')
      .set('X-API-Key', APP_KEY)
      .expect(503);
    expect(status.body.code).toBe('queue_unavailable');

    await stack.redis.restart();
    if (stack.t.queue.client.status !== 'ready') await once(stack.t.queue.client, 'ready');
    const { body } = await stack.t.http
      .post('/send-email/')
      .set('X-API-Key', APP_KEY)
      .send({ ...request, subject: 'After outage' })
      .expect(202);
    await stack.t.finished(body.id);
    expect(readdirSync(outbox)).toHaveLength(1);
    expect(await stack.t.queue.getJobCounts()).toMatchObject({
      completed: 1,
      failed: 0,
      waiting: 0,
    });
  });
});
