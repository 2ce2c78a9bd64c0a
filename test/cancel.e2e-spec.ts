import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { WEBHOOK_QUEUE } from '../src/email/store/email.constants';
import { APP_KEY, OTHER_KEY, acceptedId, textMail } from './support/fixtures';
import { ProcessService, useStack } from './support/service';
import { WebhookReceiver } from './support/webhook-receiver';
import { until } from './support/poll';

type Status = Record<string, unknown> & { status: string; send_at?: string };

const KEYS = `app:${APP_KEY},other:${OTHER_KEY}`;
const inMs = (ms: number): string => new Date(Date.now() + ms).toISOString();

/** Scheduled emails: cancel and move, in-process (API and worker), on a real Redis and SMTP sink. */
describe('POST /send-email/:id/cancel and PATCH /send-email/:id', () => {
  // Every process tells this endpoint what became of each email (the race below checks it).
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  const webhooks = () => ({ WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: receiver.secret });
  const stack = useStack(() => ({
    API_KEYS: KEYS,
    WORKER_CONCURRENCY: '4',
    RATE_LIMIT_PER_MINUTE: '0',
    // A job another worker took and let go of is taken up again within seconds.
    JOB_LOCK_MS: '2000',
    ...webhooks(),
  }));
  afterAll(() => receiver.stop());

  const schedule = (subject: string, ms: number, key = APP_KEY): Promise<string> =>
    acceptedId(stack.service.http, textMail(subject, { send_at: inMs(ms) }), key);
  const cancel = (id: string, key = APP_KEY) =>
    stack.service.http.post(`/send-email/${id}/cancel`).set('X-API-Key', key);
  const move = (id: string, body: object, key = APP_KEY) =>
    stack.service.http.patch(`/send-email/${id}`).set('X-API-Key', key).send(body);
  const statusOf = async (id: string): Promise<Status> =>
    (await stack.service.http.get(`/send-email/${id}`).set('X-API-Key', APP_KEY).expect(200))
      .body as Status;
  /** Mails of the email `id` the sink received (its Message-ID holds the id). */
  const deliveries = (id: string): number =>
    stack.smtp.mails.filter((mail) => mail.parsed.messageId?.startsWith(`<${id}@`)).length;
  const sent = async (id: string): Promise<void> => {
    await until(async () => ((await statusOf(id)).status === 'sent' ? true : undefined));
  };

  it('cancels a scheduled email: 200 canceled, and it is never sent, even past its time', async () => {
    const id = await schedule('Canceled one', 1500);
    const control = await schedule('Control after canceled one', 2500);
    const response = await cancel(id).expect(200);
    expect(response.body).toMatchObject({
      id,
      status: 'canceled',
      canceled_at: expect.any(String),
    });
    expect(await statusOf(id)).toEqual(response.body);
    expect(await stack.service.queue.getJob(id)).toBeNull();
    // The worker sent a mail due a second after the canceled one: it went past that time.
    await stack.smtp.waitForUnique('Control after canceled one', 1);
    expect(deliveries(control)).toBe(1);
    expect(deliveries(id)).toBe(0);
    expect((await statusOf(id)).status).toBe('canceled');
  });

  it('answers with the record the change left, even when Redis has lost the scripts', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await schedule(`Flushed ${i}`, 3600_000));
    const [warm, canceled, moved] = ids;
    // Both scripts in use on the connection, then gone from Redis (a restart, a failover):
    // ioredis re-sends such a script after whatever was pipelined behind it.
    await move(moved, { send_at: inMs(7200_000) }).expect(200);
    await cancel(warm).expect(200);
    await stack.service.queue.client.script('FLUSH');
    expect((await cancel(canceled).expect(200)).body.status).toBe('canceled');
    await stack.service.queue.client.script('FLUSH');
    const sendAt = inMs(10_800_000);
    expect((await move(moved, { send_at: sendAt }).expect(200)).body.send_at).toBe(sendAt);
  });

  it('answers a second cancel 409 invalid_state', async () => {
    const id = await schedule('Canceled twice', 60_000);
    await cancel(id).expect(200);
    const response = await cancel(id).expect(409);
    expect(response.body).toMatchObject({
      code: 'invalid_state',
      message: expect.stringContaining('canceled'),
    });
  });

  it('answers 409 invalid_state for a queued, a sending and a sent email, and changes none', async () => {
    const queue = stack.service.queue;
    await queue.pause(true);
    const queued = await acceptedId(stack.service.http, textMail('Held while queued'));
    await cancel(queued).expect(409);
    await move(queued, { send_at: inMs(60_000) }).expect(409);
    expect((await statusOf(queued)).status).toBe('queued');
    stack.smtp.dataDelayMs = 1500;
    await queue.resume(true);
    await stack.smtp.waitForInFlight(1);
    expect((await statusOf(queued)).status).toBe('sending');
    const answer = await cancel(queued).expect(409);
    expect(answer.body).toMatchObject({
      code: 'invalid_state',
      message: expect.stringContaining('sending'),
    });
    stack.smtp.dataDelayMs = 0;
    await sent(queued);
    await cancel(queued).expect(409);
    const moved = await move(queued, { send_at: inMs(60_000) }).expect(409);
    expect(moved.body.code).toBe('invalid_state');
    expect(deliveries(queued)).toBe(1);
  });

  it("answers 404 not_found for another key's email, an unknown id and a malformed one", async () => {
    const id = await schedule('Not yours', 3600_000);
    for (const target of [id, randomUUID(), 'not-an-id']) {
      const key = target === id ? OTHER_KEY : APP_KEY;
      expect((await cancel(target, key).expect(404)).body.code).toBe('not_found');
      const later = { send_at: inMs(120_000) };
      expect((await move(target, later, key).expect(404)).body.code).toBe('not_found');
    }
    expect(await statusOf(id)).toMatchObject({ status: 'scheduled', send_at: expect.any(String) });
  });

  describe('at the moment of the take, with this worker paused', () => {
    beforeEach(() => stack.service.queue.pause(true));
    afterEach(() => stack.service.queue.resume(true));

    /** Schedules an email and makes it due at once: its job waits in Bull's wait list. */
    async function due(subject: string): Promise<string> {
      const id = await schedule(subject, 60_000);
      await (await stack.service.queue.getJob(id))!.promote();
      return id;
    }

    it('refuses once a worker has taken the job (record still scheduled); it is sent once', async () => {
      const taken = await due('Taken by a worker');
      // Another worker's take: Bull's own move of the job into `active`, under its lock.
      const job = await stack.queue().getNextJob();
      expect(String(job?.id)).toBe(taken);
      expect((await statusOf(taken)).status).toBe('scheduled');
      const answer = await cancel(taken).expect(409);
      expect(answer.body).toMatchObject({
        code: 'invalid_state',
        message: expect.stringContaining('sending'),
      });
      await move(taken, { send_at: inMs(60_000) }).expect(409);
      expect(await (await stack.service.queue.getJob(taken))!.getState()).toBe('active');
      // Let go: the stalled-job check hands it to this service's worker, which sends it.
      await job!.releaseLock();
      await stack.service.queue.resume(true);
      await sent(taken);
      expect(deliveries(taken)).toBe(1);
    });

    it('cancels an email that is due but not taken yet: it is never sent', async () => {
      const id = await due('Due, not taken');
      await cancel(id).expect(200);
      const control = await due('Control after due one');
      await stack.service.queue.resume(true);
      await sent(control);
      expect(deliveries(id)).toBe(0);
      expect(await stack.service.queue.getJob(id)).toBeNull();
    });

    it('moves an email that is due but not taken yet back to delayed', async () => {
      const id = await due('Due, moved');
      const sendAt = inMs(1000);
      await move(id, { send_at: sendAt }).expect(200);
      expect(await (await stack.service.queue.getJob(id))!.isDelayed()).toBe(true);
      await stack.service.queue.resume(true);
      await stack.smtp.waitForUnique('Due, moved', 1);
      expect(stack.smtp.bySubject('Due, moved')[0].at).toBeGreaterThanOrEqual(Date.parse(sendAt));
    });
  });

  it('moves an email later: not sent at its old time, sent at its new one', async () => {
    const id = await schedule('Moved later', 1500);
    const control = await schedule('Control between', 2500);
    const sendAt = inMs(4000);
    const response = await move(id, { send_at: sendAt }).expect(200);
    expect(response.body).toMatchObject({ id, status: 'scheduled', send_at: sendAt });
    const ttl = await stack.service.queue.client.ttl(stack.service.queue.toKey(`status:${id}`));
    expect(ttl).toBeGreaterThan(7 * 24 * 3600);
    await stack.smtp.waitForUnique('Control between', 1);
    expect(deliveries(control)).toBe(1);
    expect(deliveries(id)).toBe(0);
    await stack.smtp.waitForUnique('Moved later', 1);
    expect(stack.smtp.bySubject('Moved later')[0].at).toBeGreaterThanOrEqual(Date.parse(sendAt));
    await sent(id);
    expect(deliveries(id)).toBe(1);
  });

  it('moves an email earlier: sent soon after its new time', async () => {
    const id = await schedule('Moved earlier', 3600_000);
    const sendAt = inMs(800);
    expect((await move(id, { send_at: sendAt }).expect(200)).body.send_at).toBe(sendAt);
    await stack.smtp.waitForUnique('Moved earlier', 1, 5000);
    const arrived = stack.smtp.bySubject('Moved earlier')[0].at;
    expect(arrived).toBeGreaterThanOrEqual(Date.parse(sendAt));
    expect(arrived - Date.parse(sendAt)).toBeLessThan(3000);
  });

  it.each([
    ['in the past', { send_at: inMs(-60_000) }, 'send_at'],
    ['more than 30 days ahead', { send_at: inMs(31 * 24 * 3600_000) }, 'send_at'],
    ['without a time zone', { send_at: '2030-01-01T09:00:00' }, 'send_at'],
    ['missing', {}, 'send_at'],
    ['beside an unknown field', { send_at: inMs(120_000), subject: 'x' }, 'subject'],
  ])(
    'answers 400 validation_failed for a send_at %s, naming the field',
    async (_what, body, field) => {
      const id = await schedule('Kept as it was', 3600_000);
      const before = await statusOf(id);
      const response = await move(id, body).expect(400);
      expect(response.body.code).toBe('validation_failed');
      const { errors } = response.body as { errors: { field: string }[] };
      expect(errors.map((error) => error.field)).toEqual([field]);
      expect(await statusOf(id)).toEqual(before);
    },
  );

  describe('racing the workers: two worker processes of 4 sends each', () => {
    const ROUNDS = 40;
    const GROUP = 8;

    let worker: ProcessService;

    beforeAll(async () => {
      worker = await stack.start(
        {
          ROLE: 'worker',
          API_KEYS: KEYS,
          WORKER_CONCURRENCY: '4',
          LOG_LEVEL: 'info',
          ...webhooks(),
        },
        { mode: 'process' },
      );
      await worker.waitForLog((line) => line.msg === 'worker started');
    });

    /**
     * Schedules an email 500-700 ms ahead (on a loaded machine a shorter lead can be past by
     * the time the request is read: a 400) and cancels it from 40 ms before to 60 ms after.
     */
    async function race(round: number): Promise<{ id: string; answer: number }> {
      const due = Date.now() + 500 + (round % 5) * 50;
      const body = textMail(`Race ${round}`, { send_at: new Date(due).toISOString() });
      const id = await acceptedId(stack.service.http, body);
      // A timer on purpose, not a wait for something: it aims the cancel at the worker's take.
      const at = due - 40 + ((round * 37) % 100);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
      return { id, answer: (await cancel(id)).status };
    }

    it(`sends each of ${ROUNDS} emails exactly once or never, as its cancel's answer says`, async () => {
      const results: { id: string; answer: number }[] = [];
      for (let first = 0; first < ROUNDS; first += GROUP) {
        const rounds = Array.from({ length: GROUP }, (_, i) => race(first + i));
        results.push(...(await Promise.all(rounds)));
      }
      const lost = results.filter(({ answer }) => answer === 409).map(({ id }) => id);
      expect(results.every(({ answer }) => answer === 200 || answer === 409)).toBe(true);
      for (const id of lost) await sent(id);
      // Idle: nothing of the race waits, runs or is delayed any more (other tests' may be).
      const ids = new Set(results.map(({ id }) => id));
      await until(async () => {
        const { waiting, active } = await stack.service.queue.getJobCounts();
        const delayed = await stack.service.queue.getDelayed();
        return waiting + active === 0 && !delayed.some((job) => ids.has(String(job.id)))
          ? true
          : undefined;
      });
      for (const { id, answer } of results) {
        const expected = answer === 200 ? ['canceled', 0] : ['sent', 1];
        expect([id, (await statusOf(id)).status, deliveries(id)]).toEqual([id, ...expected]);
      }
      // The endpoint heard the same: email.canceled for each 200, email.sent for each 409
      // (once every email has been told of and no event is left: the sets say what is not).
      const webhookQueue = stack.service.app.get<Queue>(getQueueToken(WEBHOOK_QUEUE));
      await until(async () => {
        const { waiting, active, delayed } = await webhookQueue.getJobCounts();
        const told = new Set(receiver.delivered().map((event) => event.body.data.email_id));
        return waiting + active + delayed === 0 && [...ids].every((id) => told.has(id))
          ? true
          : undefined;
      }, 5000).catch(() => undefined);
      const toldOf = (type: string): string[] =>
        [
          ...new Set(
            receiver
              .delivered((event) => event.body.type === type)
              .map((event) => String(event.body.data.email_id))
              .filter((id) => ids.has(id)),
          ),
        ].sort();
      const answered = (status: number): string[] =>
        results
          .filter(({ answer }) => answer === status)
          .map(({ id }) => id)
          .sort();
      expect(toldOf('email.canceled')).toEqual(answered(200));
      expect(toldOf('email.sent')).toEqual(answered(409));
      expect(receiver.forged).toEqual([]);
      const byChild = worker.lines.filter(
        (line) => line.msg === 'sent' && ids.has(String(line.job_id)),
      ).length;
      process.stdout.write(
        `\nCancel race: ${ROUNDS - lost.length} canceled (never sent), ${lost.length} too late ` +
          `(sent once: ${byChild} by the worker process, ${lost.length - byChild} in-process)\n`,
      );
    });
  });
});
