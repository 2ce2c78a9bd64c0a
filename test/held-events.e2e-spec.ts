import Bull from 'bull';
import { EmailStatsStore } from '../src/email/store/email-stats.store';
import { EmailOutcomeStore } from '../src/email/store/email-outcome.store';
import { EmailStatusStore } from '../src/email/store/email-status.store';
import { WebhookHoldStore } from '../src/email/worker/webhooks/webhook-hold.store';
import { BullJobSpec } from '../src/redis/bull-internals';
import { TestRedis } from './support/redis';

/**
 * A worker writes the events its sends cause as held jobs (Bull's delayed set) and tries them
 * itself (WebhookDispatcher). Bull must deliver a held event nobody settled once its hold
 * ends, count a failed first try as its first, and keep its hands off one it was given.
 */
describe('held event jobs', () => {
  let redis: TestRedis;
  let emails: Bull.Queue;
  let events: Bull.Queue;
  let outcomes: EmailOutcomeStore;
  let held: WebhookHoldStore;
  const tries: { id: string; attemptsMade: number }[] = [];

  beforeAll(async () => {
    redis = await TestRedis.start();
    const opts = { prefix: 'held-events', settings: { guardInterval: 100 } };
    emails = new Bull('email', redis.url, opts);
    events = new Bull('webhook', redis.url, {
      ...opts,
      settings: { ...opts.settings, backoffStrategies: { quick: () => 50 } },
    });
    await Promise.all([emails.isReady(), events.isReady()]);
    outcomes = new EmailOutcomeStore(
      emails,
      events,
      new EmailStatusStore(emails),
      new EmailStatsStore(emails),
    );
    held = new WebhookHoldStore(events);
    void events.process('deliver', 4, (job: Bull.Job) => {
      tries.push({ id: String(job.id), attemptsMade: job.attemptsMade });
      return job.attemptsMade < 1 && String(job.id).includes('fail')
        ? Promise.reject(new Error('HTTP 500'))
        : Promise.resolve();
    });
  });
  afterAll(async () => {
    await Promise.all([emails.close(), events.close()]);
    await redis.stop();
  });

  const spec = (id: string, holdMs: number): BullJobSpec => ({
    id,
    name: 'deliver',
    data: JSON.stringify({ owner: 'app', type: 'email.sent', body: `{"n":"${id}"}` }),
    opts: JSON.stringify({ attempts: 3, backoff: { type: 'quick' }, removeOnComplete: false }),
    holdMs,
  });
  const finish = (email: string, event: BullJobSpec): Promise<void> =>
    outcomes.finish(email, { status: 'sent' }, 'sent', { event });
  const triedUntil = async (id: string, count = 1): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (tries.filter((t) => t.id === id).length < count) {
      if (Date.now() > deadline) throw new Error(`${id}: not tried ${count} times`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('writes a held event into the delayed set, not the wait list', async () => {
    await finish('h1', spec('evt_h1_sent', 60_000));
    expect(await (await events.getJob('evt_h1_sent'))!.getState()).toBe('delayed');
    expect(await events.getWaitingCount()).toBe(0);
  });

  it('leaves nothing of an event released after delivery, and no try for Bull', async () => {
    await held.release(['evt_h1_sent']);
    expect(await events.getJob('evt_h1_sent')).toBeNull();
    expect(await events.client.exists(events.toKey('evt_h1_sent'))).toBe(0);
    expect(tries.some((t) => t.id === 'evt_h1_sent')).toBe(false);
  });

  it('has Bull deliver a held event that nobody settled, once its hold ends', async () => {
    await finish('h2', spec('evt_h2_sent', 300));
    await triedUntil('evt_h2_sent');
    expect(tries.find((t) => t.id === 'evt_h2_sent')).toEqual({
      id: 'evt_h2_sent',
      attemptsMade: 0,
    });
  });

  it('does not touch an event Bull has taken: a late release leaves it to Bull', async () => {
    await finish('h3', spec('evt_h3_sent', 100));
    await triedUntil('evt_h3_sent');
    await held.release(['evt_h3_sent']);
    expect(await (await events.getJob('evt_h3_sent'))!.getState()).toBe('completed');
  });

  it("counts a failed first try: Bull's next try is the event's second", async () => {
    await finish('h4', spec('evt_h4_fail', 60_000));
    await held.retryLater('evt_h4_fail', Date.now() + 50, 'the endpoint answered HTTP 500');
    await triedUntil('evt_h4_fail');
    const job = (await events.getJob('evt_h4_fail'))!;
    expect(tries.filter((t) => t.id === 'evt_h4_fail').map((t) => t.attemptsMade)).toEqual([1]);
    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(1);
  });

  it('makes held events due at once for any worker when their worker stops', async () => {
    await finish('h5', spec('evt_h5_sent', 60_000));
    await held.dueNow(['evt_h5_sent']);
    await triedUntil('evt_h5_sent');
  });
});
