import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { randomBytes } from 'node:crypto';
import { WEBHOOK_QUEUE } from '../src/email/store/email.constants';
import { APP_KEY, acceptedId, textMail } from './support/fixtures';
import { Env, InProcessService, useStack } from './support/service';
import { smtpError } from './support/smtp-sink';
import { ReceivedEvent, WebhookReceiver } from './support/webhook-receiver';

const BOARD = { user: 'admin', password: 'board-password-0123' };
const ADMIN = `Basic ${Buffer.from(`${BOARD.user}:${BOARD.password}`).toString('base64')}`;
/** The fields an event's `data` may hold (README "Delivery events"): nothing of the content. */
const DATA_FIELDS = `email_id status from to subject tags metadata attempts message_id error
  recipient diagnostic`.split(/\s+/);

const of =
  (id: string, type?: string) =>
  (event: ReceivedEvent): boolean =>
    event.body.data.email_id === id && (type === undefined || event.body.type === type);

/** What one endpoint (WEBHOOK_URL's) gets; which key's events go where: webhook-routing. */
describe('delivery webhooks', () => {
  const stack = useStack(null);
  let service: InProcessService;
  let receiver: WebhookReceiver;
  const env = (): Env => ({
    API_KEYS: `app:${APP_KEY}`,
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: receiver.secret,
    WEBHOOK_ATTEMPTS: '4',
    WEBHOOK_BACKOFF_MS: '100',
    WEBHOOK_TIMEOUT_MS: '1000',
    SEND_ATTEMPTS: '3',
    SEND_BACKOFF_MS: '50',
    BOARD_USER: BOARD.user,
    BOARD_PASSWORD: BOARD.password,
  });
  const send = (body: object): Promise<string> => acceptedId(service.http, body);

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    service = await stack.start(env());
  });
  afterEach(() => {
    receiver.answer = () => 200;
    stack.smtp.onRcpt = undefined;
    expect(receiver.forged).toEqual([]);
  });
  afterAll(() => receiver.stop());

  it("tells the key's endpoint that an email was sent, signed per Standard Webhooks", async () => {
    const id = await send(textMail('Signed', { tags: ['signup'], metadata: { user_id: '42' } }));
    await receiver.waitFor(of(id, 'email.sent'));
    const [event] = receiver.delivered(of(id));
    expect(event.headers['webhook-id']).toBe(`evt_${id}_sent`);
    expect(Number(event.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    expect(event.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(event.body).toEqual({
      type: 'email.sent',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: {
        email_id: id,
        status: 'sent',
        from: 'no-reply@shop.example',
        to: ['ann@example.com'],
        subject: 'Signed',
        tags: ['signup'],
        metadata: { user_id: '42' },
        attempts: 1,
        message_id: expect.stringMatching(new RegExp(`^<${id}@shop\\.example>$`)),
      },
    });
    expect(event.raw).not.toContain('"text"');
  });

  it('leaves nothing of a delivered event in Redis: its held job is released', async () => {
    const queue = service.app.get<Queue>(getQueueToken(WEBHOOK_QUEUE));
    const id = await send(textMail('Released'));
    await receiver.waitFor(of(id, 'email.sent'));
    // The release follows the 2xx by a tick (batched with others): looked for until gone.
    const deadline = Date.now() + 2000;
    while ((await queue.getJob(`evt_${id}_sent`)) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await queue.getJob(`evt_${id}_sent`)).toBeNull();
    expect(await queue.getJobCounts()).toMatchObject({ waiting: 0, active: 0, delayed: 0 });
    expect(receiver.events.filter(of(id))).toHaveLength(1);
  });

  it('never carries bodies, template context or attachments, of an HTML or a template mail', async () => {
    const marker = randomBytes(8).toString('hex');
    const attachment = {
      filename: `attached-${marker}.txt`,
      content: Buffer.from(`attachment-content-${marker}`).toString('base64'),
    };
    const context = { action_url: 'https://x.example/secret-token-123', name: 'Zed' };
    const subject = 'Leak check — ünïcödé ✉';
    const base = { email_to: 'ann@example.com', email_from: 'no-reply@shop.example', subject };
    const html = await send({
      ...base,
      message: { html: `<p>html-body-${marker}</p>`, text: `text-body-${marker}` },
      attachments: [attachment],
    });
    const template = await send({
      ...base,
      template: 'verify-email',
      context: { ...context, app_name: `app-name-${marker}` },
      attachments: [attachment],
    });
    await receiver.waitFor(of(html, 'email.sent'));
    await receiver.waitFor(of(template, 'email.sent'));
    // They were in the mails: their absence from the events means something.
    const mailOf = (id: string) =>
      stack.smtp.mails.find((mail) => mail.parsed.messageId === `<${id}@shop.example>`)!;
    expect(mailOf(html).parsed.html).toContain(`html-body-${marker}`);
    expect(mailOf(template).parsed.html).toContain(context.action_url);
    expect(mailOf(template).parsed.html).toContain(context.name);
    expect(mailOf(template).parsed.attachments[0].filename).toBe(attachment.filename);
    const secrets = [
      `html-body-${marker}`,
      `text-body-${marker}`,
      `attachment-content-${marker}`,
      attachment.filename,
      context.action_url,
      `app-name-${marker}`,
    ];
    const forms = [
      marker,
      'secret-token-123',
      context.name,
      attachment.content,
      ...secrets.map((secret) => Buffer.from(secret).toString('base64')),
    ];
    const events = receiver.events.filter((event) =>
      [html, template].includes(String(event.body.data.email_id)),
    );
    expect(events.length).toBeGreaterThanOrEqual(2);
    for (const event of events) {
      expect(event.body.data.subject).toBe(subject);
      expect(DATA_FIELDS).toEqual(expect.arrayContaining(Object.keys(event.body.data)));
      for (const form of forms) expect(event.raw).not.toContain(form);
    }
  });

  it('sends the same webhook-id and body again after a 500, until a 2xx', async () => {
    let calls = 0;
    receiver.answer = () => (++calls === 1 ? 500 : 200);
    const id = await send(textMail('Retried'));
    await receiver.waitFor(of(id), 2);
    const [first, second] = receiver.events.filter(of(id));
    expect(first.answered).toBe(500);
    expect(second.answered).toBe(200);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(second.raw).toBe(first.raw);
  });

  it('loses nothing while the endpoint is down, and delivers once it is back', async () => {
    await receiver.stop();
    const id = await send(textMail('While down'));
    await waitForFailedTries(`evt_${id}_sent`, 1);
    await receiver.start();
    await receiver.waitFor(of(id, 'email.sent'));
  });

  it('tells delivery_delayed for a 451 and then sent; failed with the SMTP reply for a 550', async () => {
    let refused = 0;
    stack.smtp.onRcpt = (address) => {
      if (address.startsWith('later@') && refused++ === 0)
        return smtpError(451, '451 4.3.0 Try later');
      if (address.startsWith('gone@')) return smtpError(550, '550 5.1.1 No such user');
      return undefined;
    };
    const later = await send(textMail('Later', { email_to: 'later@example.com' }));
    const gone = await send(textMail('Gone', { email_to: 'gone@example.com' }));
    // Both, in either order: events go out concurrently (README: the order is not guaranteed).
    await receiver.waitFor(of(later, 'email.delivery_delayed'));
    await receiver.waitFor(of(later, 'email.sent'));
    await receiver.waitFor(of(gone, 'email.failed'));
    const types = new Set(receiver.delivered(of(later)).map((event) => event.body.type));
    expect([...types].sort()).toEqual(['email.delivery_delayed', 'email.sent']);
    const [delayed] = receiver.delivered(of(later, 'email.delivery_delayed'));
    expect(delayed.headers['webhook-id']).toBe(`evt_${later}_delivery_delayed_1`);
    expect(delayed.body.data).toMatchObject({
      status: 'queued',
      attempts: 1,
      error: expect.stringContaining('451'),
    });
    const [failed] = receiver.delivered(of(gone));
    expect(failed.body.data).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('550 5.1.1'),
    });
  });

  it('shows an event out of tries on the board and in /metrics, and retries it from the board', async () => {
    const exhausted = async (): Promise<number> => {
      const metrics = await service.http.get('/metrics').expect(200);
      return Number(
        /webhook_deliveries_total\{result="exhausted"\} (\d+)/.exec(metrics.text)?.[1] ?? 0,
      );
    };
    const before = await exhausted();
    receiver.answer = () => 503;
    const id = await send(textMail('Exhausted'));
    const eventId = `evt_${id}_sent`;
    await waitForFailedTries(eventId, 4);
    expect(await exhausted()).toBe(before + 1);
    const queue = service.app.get<Queue>(getQueueToken(WEBHOOK_QUEUE));
    expect(await (await queue.getJob(eventId))!.getState()).toBe('failed');
    receiver.answer = () => 200;
    await service.http
      .put(`/queues/api/queues/webhook/${eventId}/retry`)
      .set('Authorization', ADMIN)
      .expect(204);
    await receiver.waitFor((event) => of(id)(event) && event.answered === 200);
  });

  it('tells of a canceled email once, and of a refused cancel never', async () => {
    const sendAt = new Date(Date.now() + 3600_000).toISOString();
    const id = await send(textMail('Canceled', { send_at: sendAt, tags: ['later'] }));
    const cancel = (): Promise<{ status: number }> =>
      service.http.post(`/send-email/${id}/cancel`).set('X-API-Key', APP_KEY);
    expect((await cancel()).status).toBe(200);
    expect((await cancel()).status).toBe(409);
    await receiver.waitFor(of(id, 'email.canceled'));
    const [event] = receiver.delivered(of(id));
    expect(event.headers['webhook-id']).toBe(`evt_${id}_canceled`);
    expect(event.body.data).toMatchObject({ status: 'canceled', attempts: 0, tags: ['later'] });
    const queue = service.app.get<Queue>(getQueueToken(WEBHOOK_QUEUE));
    const counts = await queue.getJobCounts();
    expect(counts.waiting + counts.active + counts.delayed).toBe(0);
    expect(receiver.events.filter(of(id))).toHaveLength(1);
  });

  /** Resolves once the event job has failed `tries` times (Bull's own count, in Redis). */
  async function waitForFailedTries(eventId: string, tries: number): Promise<void> {
    const queue = service.app.get<Queue>(getQueueToken(WEBHOOK_QUEUE));
    const deadline = Date.now() + 15_000;
    for (;;) {
      const job = await queue.getJob(eventId);
      if (job && job.attemptsMade >= tries) return;
      if (Date.now() > deadline) throw new Error(`${eventId}: fewer than ${tries} failed tries`);
      // The next failure, or a look again shortly: one may have come before the listener.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        queue.once('failed', () => (clearTimeout(timer), resolve()));
      });
    }
  }
});
