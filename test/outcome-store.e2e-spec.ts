import Bull from 'bull';
import { EmailOutcomeStore } from '../src/email/store/email-outcome.store';
import { EmailStatsStore } from '../src/email/store/email-stats.store';
import { EmailStatusStore } from '../src/email/store/email-status.store';
import { TestRedis } from './support/redis';

/** The worker's record scripts against a real Redis: what a late or overlapping write may change. */
describe('EmailOutcomeStore', () => {
  let redis: TestRedis;
  let queue: Bull.Queue;
  let webhookQueue: Bull.Queue;
  let outcomes: EmailOutcomeStore;
  let stats: EmailStatsStore;

  beforeAll(async () => {
    redis = await TestRedis.start();
    queue = new Bull('email', redis.url, { prefix: 'outcome-store' });
    webhookQueue = new Bull('webhook', redis.url, { prefix: 'outcome-store' });
    await queue.isReady();
    stats = new EmailStatsStore(queue);
    outcomes = new EmailOutcomeStore(queue, webhookQueue, new EmailStatusStore(queue), stats);
  });
  afterAll(async () => {
    await Promise.all([queue.close(), webhookQueue.close()]);
    await redis.stop();
  });

  const record = (id: string): Promise<Record<string, string>> =>
    queue.client.hgetall(queue.toKey(`status:${id}`));
  const scheduled = async (id: string, status = 'queued'): Promise<Bull.Job> => {
    await queue.client.hset(queue.toKey(`status:${id}`), 'status', status, 'owner', 'app');
    return queue.add({}, { jobId: id });
  };

  it('writes the status and counts the outcome in one call', async () => {
    await outcomes.update('a', { status: 'queued' });
    await outcomes.finish('a', { status: 'sent', sent_at: '2026-12-02T00:00:00.000Z' }, 'sent');
    expect(await record('a')).toMatchObject({ status: 'sent' });
    expect((await stats.read()).sent).toBe(1);
  });

  it('leaves a sent email sent when a late failure or retry (an overlapping attempt) arrives', async () => {
    await outcomes.finish('b', { status: 'sent' }, 'sent');
    await outcomes.finish('b', { status: 'failed', error: 'the worker stopped' }, 'failed');
    await outcomes.update('b', { status: 'queued', error: '451 later' });
    expect(await record('b')).toMatchObject({ status: 'sent' });
    expect(await record('b')).not.toHaveProperty('error');
    expect((await stats.read()).failed).toBe(0);
  });

  it('starts an attempt only while the job is locked by this worker', async () => {
    await scheduled('c');
    const job = (await queue.getNextJob()) as Bull.Job; // locked with this queue's token
    expect(await outcomes.begin(job, 1)).toBe('queued');
    expect(await record('c')).toMatchObject({ status: 'sending', attempts: '1' });
    await queue.client.set(job.lockKey(), 'another-worker');
    expect(await outcomes.begin(job, 2)).toBe('lost');
    expect(await record('c')).toMatchObject({ attempts: '1' });
  });

  it('never starts a canceled or sent email', async () => {
    for (const status of ['canceled', 'sent']) {
      await scheduled(`d-${status}`, status);
      const job = (await queue.getNextJob()) as Bull.Job;
      expect(await outcomes.begin(job, 1)).toBe(status);
      expect(await record(`d-${status}`)).toMatchObject({ status });
    }
  });
});
