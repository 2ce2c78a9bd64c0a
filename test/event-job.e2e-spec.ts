import Bull from 'bull';
import { EmailStatsStore } from '../src/email/store/email-stats.store';
import { EmailOutcomeStore } from '../src/email/store/email-outcome.store';
import { EmailStatusStore } from '../src/email/store/email-status.store';
import { BullJobSpec } from '../src/redis/bull-internals';
import { TestRedis } from './support/redis';

/**
 * An event job is added by our own scripts, with the status write (ADD_BULL_JOB_LUA), not by
 * queue.add: Bull must take it, retry it and fail it exactly as one of its own.
 */
describe('event jobs written with the status', () => {
  let redis: TestRedis;
  let emails: Bull.Queue;
  let events: Bull.Queue;
  let statuses: EmailOutcomeStore;

  beforeAll(async () => {
    redis = await TestRedis.start();
    emails = new Bull('email', redis.url, { prefix: 'event-job' });
    events = new Bull('webhook', redis.url, {
      prefix: 'event-job',
      settings: { backoffStrategies: { quick: () => 20 } },
    });
    await Promise.all([emails.isReady(), events.isReady()]);
    statuses = new EmailOutcomeStore(
      emails,
      events,
      new EmailStatusStore(emails),
      new EmailStatsStore(emails),
    );
  });
  afterAll(async () => {
    await Promise.all([emails.close(), events.close()]);
    await redis.stop();
  });

  const spec = (id: string, attempts = 1): BullJobSpec => ({
    id,
    name: 'deliver',
    data: JSON.stringify({ owner: 'app', type: 'email.sent', body: `{"n":"${id}"}` }),
    opts: JSON.stringify({ attempts, backoff: { type: 'quick' }, removeOnComplete: false }),
  });

  it('adds the job with the final write, once however often it is written', async () => {
    await statuses.finish('m1', { status: 'sent' }, 'sent', { event: spec('evt_m1_sent') });
    await statuses.finish('m1', { status: 'sent' }, 'sent', { event: spec('evt_m1_sent') });
    expect(await events.getWaitingCount()).toBe(1);
    const job = (await events.getJob('evt_m1_sent'))!;
    expect(job.data).toEqual({ owner: 'app', type: 'email.sent', body: '{"n":"evt_m1_sent"}' });
    expect(job.opts).toMatchObject({ attempts: 1 });
    await job.remove();
  });

  it('writes no event when a late failure finds the email sent', async () => {
    await statuses.finish('m2', { status: 'sent' }, 'sent');
    await statuses.finish('m2', { status: 'failed', error: 'x' }, 'failed', {
      event: spec('evt_m2_failed'),
    });
    expect(await events.getJob('evt_m2_failed')).toBeNull();
  });

  it('adds the job of a change on the way (a retry to come) with its record', async () => {
    await statuses.update('m3', { status: 'queued', error: '451' }, spec('evt_m3_delayed_1'));
    expect(await emails.client.hget(emails.toKey('status:m3'), 'error')).toBe('451');
    expect(await events.getJob('evt_m3_delayed_1')).not.toBeNull();
    await (await events.getJob('evt_m3_delayed_1'))!.remove();
  });

  it('is taken, retried with its backoff and failed by Bull like its own jobs', async () => {
    const seen: number[] = [];
    const failedForGood = new Promise<Bull.Job>((resolve) =>
      events.on('failed', (job: Bull.Job) => {
        if (job.attemptsMade >= 3) resolve(job);
      }),
    );
    void events.process('deliver', 1, (job: Bull.Job) => {
      seen.push(job.attemptsMade);
      return Promise.reject(new Error('HTTP 500'));
    });
    await statuses.finish('m4', { status: 'sent' }, 'sent', { event: spec('evt_m4_sent', 3) });
    const job = await failedForGood;
    expect(seen).toEqual([0, 1, 2]);
    expect(job.id).toBe('evt_m4_sent');
    expect(await job.getState()).toBe('failed');
    expect(job.failedReason).toBe('HTTP 500');
  });
});
