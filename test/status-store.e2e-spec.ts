import Bull from 'bull';
import { EmailStatsStore } from '../src/email/store/email-stats.store';
import { EmailStatusStore } from '../src/email/store/email-status.store';
import { TestRedis } from './support/redis';

/** The final-state script against a real Redis: what a late or repeated outcome may change. */
describe('EmailStatusStore.finish', () => {
  let redis: TestRedis;
  let queue: Bull.Queue;
  let events: Bull.Queue;
  let statuses: EmailStatusStore;
  let stats: EmailStatsStore;

  beforeAll(async () => {
    redis = await TestRedis.start();
    queue = new Bull('email', redis.url, { prefix: 'status-store' });
    await queue.isReady();
    stats = new EmailStatsStore(queue);
    events = new Bull('webhook', redis.url, { prefix: 'status-store' });
    statuses = new EmailStatusStore(queue, events, stats);
  });
  afterAll(async () => {
    await Promise.all([queue.close(), events.close()]);
    await redis.stop();
  });

  const record = (id: string): Promise<Record<string, string>> =>
    queue.client.hgetall(queue.toKey(`status:${id}`));

  it('writes the status and counts the outcome in one call', async () => {
    await statuses.update('a', { status: 'sending' });
    await statuses.finish('a', { status: 'sent', sent_at: '2026-12-02T00:00:00.000Z' }, 'sent');
    expect(await record('a')).toMatchObject({ status: 'sent' });
    expect((await stats.read()).sent).toBe(1);
  });

  it('leaves a sent email sent when a late failure (a stalled job) arrives', async () => {
    await statuses.update('b', { status: 'sending' });
    await statuses.finish('b', { status: 'sent' }, 'sent');
    await statuses.finish('b', { status: 'failed', error: 'the worker stopped' }, 'failed');
    expect(await record('b')).toMatchObject({ status: 'sent' });
    expect(await record('b')).not.toHaveProperty('error');
    expect((await stats.read()).failed).toBe(0);
  });
});
