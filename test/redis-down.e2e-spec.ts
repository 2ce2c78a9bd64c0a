import { once } from 'node:events';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_KEY, TestApp, bootApp } from './support/app';
import { TestRedis } from './support/redis';

const request = {
  email_to: 'ann@example.com',
  email_from: 'no-reply@shop.example',
  subject: 'During outage',
  message: { text: 'x' },
};

describe('Redis unreachable', () => {
  const outbox = mkdtempSync(join(tmpdir(), 'mail-outbox-'));
  let redis: TestRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await TestRedis.start();
    t = await bootApp({
      REDIS_URL: redis.url,
      QUEUE_PREFIX: 'redis-down-e2e',
      OUTBOX_DIR: outbox,
      API_KEYS: `app:${APP_KEY}`,
    });
  });

  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('answers POST with 503 within 3 s and accepts nothing, then recovers without a restart', async () => {
    await redis.kill();
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const response = await t.http
        .post('/send-email/')
        .set('X-API-Key', APP_KEY)
        .send(request)
        .expect(503);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(response.body).toMatchObject({ statusCode: 503, code: 'queue_unavailable' });
      expect(response.headers['retry-after']).toBeDefined();
    }
    const status = await t.http
      .get('/send-email/00000000-0000-4000-8000-000000000000')
      .set('X-API-Key', APP_KEY)
      .expect(503);
    expect(status.body.code).toBe('queue_unavailable');

    await redis.restart();
    if (t.queue.client.status !== 'ready') await once(t.queue.client, 'ready');
    const { body } = await t.http
      .post('/send-email/')
      .set('X-API-Key', APP_KEY)
      .send({ ...request, subject: 'After outage' })
      .expect(202);
    await t.finished(body.id);
    expect(readdirSync(outbox)).toHaveLength(1);
    expect(await t.queue.getJobCounts()).toMatchObject({ completed: 1, failed: 0, waiting: 0 });
  });
});
