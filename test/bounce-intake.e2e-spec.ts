import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { randomBytes } from 'node:crypto';
import { WEBHOOK_QUEUE } from '../src/email/store/email.constants';
import { BounceIntake } from '../src/email/intake/bounce-intake.service';
import {
  ANN,
  SentEmail,
  fixture,
  fresh,
  reportAbout,
  sendAndDeliver,
  useBounceService,
  userUnknown,
} from './support/bounce-reports';
import { APP_KEY } from './support/fixtures';
import { InProcessService } from './support/service';
import { WebhookReceiver, eventOf } from './support/webhook-receiver';

type Status = Record<string, unknown> & { status: string };
const of = eventOf;

/** SPEC §8: a report applied to its email (the intake the listener and POST /bounces share). */
describe('bounce intake', () => {
  const bounce = useBounceService();
  let service: InProcessService;
  let receiver: WebhookReceiver;
  let intake: BounceIntake;

  beforeAll(() => {
    ({ service, receiver } = bounce);
    intake = service.app.get(BounceIntake);
  });

  const sent = (to: string, extra: object = {}): Promise<SentEmail> =>
    sendAndDeliver(service, bounce.smtp, to, extra);
  const statusOf = async (id: string): Promise<Status> =>
    (await service.http.get(`/send-email/${id}`).set('X-API-Key', APP_KEY).expect(200))
      .body as Status;
  const entryOf = (address: string, key = APP_KEY) =>
    service.http.get(`/suppressions/${address}`).set('X-API-Key', key);
  const eventJob = (id: string) =>
    service.app.get<Queue>(getQueueToken(WEBHOOK_QUEUE)).getJob(`evt_${id}_bounced`);
  /** Once the delivered event's job is gone from Redis, a repeat could only add it anew. */
  const eventGone = async (id: string): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (await eventJob(id)) {
      if (Date.now() > deadline) throw new Error('the delivered event is still in Redis');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const metric = async (name: string): Promise<number> => {
    const text = (await service.http.get('/metrics').expect(200)).text;
    return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  };

  it('bounces the email by its VERP address: status, suppression, event, metric', async () => {
    const email = await sent(fresh('ann'), { tags: ['signup'] });
    const before = await metric('emails_bounced_total');
    expect(await intake.take(userUnknown(email))).toBe('applied');
    expect(await statusOf(email.id)).toMatchObject({
      status: 'bounced',
      bounce: {
        recipient: email.to,
        status: '5.1.1',
        diagnostic: expect.stringMatching(/^550 5\.1\.1 .*User unknown/),
      },
    });
    expect((await entryOf(email.to).expect(200)).body).toEqual({
      address: email.to,
      reason: 'bounce',
      created_at: expect.any(String),
      email_id: email.id,
      diagnostic: expect.stringContaining('5.1.1'),
    });
    await receiver.waitFor(of(email.id, 'email.bounced'));
    const [event] = receiver.delivered(of(email.id, 'email.bounced'));
    expect(event.headers['webhook-id']).toBe(`evt_${email.id}_bounced`);
    expect(event.body.data).toMatchObject({
      email_id: email.id,
      status: 'bounced',
      from: 'no-reply@shop.example',
      to: [email.to],
      subject: `To ${email.to}`,
      tags: ['signup'],
      message_id: email.messageId,
      recipient: email.to,
      diagnostic: expect.stringContaining('User unknown'),
    });
    expect(await metric('emails_bounced_total')).toBe(before + 1);
  });

  it('shows the bounce and complaint totals of the deployment on the info page', async () => {
    const totals = async (): Promise<Record<string, number>> =>
      (
        (await service.http.get('/info.json').expect(200)).body as {
          totals: Record<string, number>;
        }
      ).totals;
    const before = await totals();
    const email = await sent(fresh('ann'));
    await intake.take(userUnknown(email));
    expect(await totals()).toMatchObject({ bounced: before.bounced + 1, complained: 0 });
    const page = await service.http.get('/').expect(200);
    expect(page.text).toContain(`data-field="totals.bounced">${before.bounced + 1}<`);
    expect(page.text).toContain('data-field="totals.complained">0<');
  });

  it('changes nothing more, and emits no second event, for a repeated report', async () => {
    const email = await sent(fresh('ann'));
    const report = userUnknown(email);
    expect(await intake.take(report)).toBe('applied');
    await receiver.waitFor(of(email.id, 'email.bounced'));
    await eventGone(email.id);
    const status = await statusOf(email.id);
    expect(await intake.take(report)).toBe('ignored');
    expect(await statusOf(email.id)).toEqual(status);
    expect(await eventJob(email.id)).toBeNull();
    expect(receiver.delivered(of(email.id, 'email.bounced'))).toHaveLength(1);
  });

  it('suppresses a second recipient that bounces later, without a second event', async () => {
    const [first, second] = [fresh('ann'), fresh('bob')];
    const email = await sent(first, { cc: [second] });
    expect(await intake.take(userUnknown(email))).toBe('applied');
    await receiver.waitFor(of(email.id, 'email.bounced'));
    await eventGone(email.id);
    const later = reportAbout('postfix-user-unknown', {
      verp: email.verp,
      recipient: [ANN, second],
    });
    expect(await intake.take(later)).toBe('ignored');
    expect((await entryOf(second).expect(200)).body).toMatchObject({
      reason: 'bounce',
      email_id: email.id,
    });
    expect((await statusOf(email.id)).bounce).toMatchObject({ recipient: first });
    expect(await eventJob(email.id)).toBeNull();
    expect(receiver.delivered(of(email.id, 'email.bounced'))).toHaveLength(1);
  });

  it("reads an older record's recipients from Bull's job (sent before records kept them)", async () => {
    const email = await sent(fresh('ann'));
    await service.queue.client.hdel(service.queue.toKey(`status:${email.id}`), 'summary');
    expect(await intake.take(userUnknown(email))).toBe('applied');
    expect((await entryOf(email.to).expect(200)).body).toMatchObject({ email_id: email.id });
    await receiver.waitFor(of(email.id, 'email.bounced'));
    expect(receiver.delivered(of(email.id, 'email.bounced'))[0].body.data).toMatchObject({
      to: [email.to],
      subject: `To ${email.to}`,
    });
  });

  it('finds the email by the returned Message-ID when the report has no VERP address', async () => {
    const email = await sent(fresh('ann'));
    const report = userUnknown(email, { messageId: email.messageId });
    expect(await intake.take(report)).toBe('applied');
    expect((await statusOf(email.id)).status).toBe('bounced');
  });

  it('suppresses a complaint (reason complaint), keeps the status sent, tells email.complained', async () => {
    const email = await sent('Erin <erin@example.com>');
    const before = await metric('emails_complained_total');
    expect(await intake.take(reportAbout('arf-complaint', { verp: email.verp }))).toBe('applied');
    expect((await statusOf(email.id)).status).toBe('sent');
    expect((await entryOf('erin@example.com').expect(200)).body).toMatchObject({
      reason: 'complaint',
      email_id: email.id,
    });
    await receiver.waitFor(of(email.id, 'email.complained'));
    const [event] = receiver.delivered(of(email.id, 'email.complained'));
    expect(event.body.data).toMatchObject({ status: 'sent', recipient: 'erin@example.com' });
    expect(await metric('emails_complained_total')).toBe(before + 1);
    expect(await intake.take(reportAbout('arf-complaint', { verp: email.verp }))).toBe('ignored');
  });

  it('tells a redacted complaint (no recipient) without suppressing anyone', async () => {
    const email = await sent('redacted@example.com');
    const text = reportAbout('arf-complaint', { verp: email.verp })
      .toString()
      .replace(/^Original-Rcpt-To: .*\r?\n/m, '')
      .replace(/erin@example\.com/gi, 'redacted');
    expect(await intake.take(Buffer.from(text))).toBe('applied');
    await receiver.waitFor(of(email.id, 'email.complained'));
    await entryOf('redacted@example.com').expect(404);
  });

  it('tells a delay report as email.delivery_delayed with an id of its own; nothing else', async () => {
    const email = await sent('Frank <frank@slow.example.com>');
    expect(await intake.take(reportAbout('postfix-delayed', { verp: email.verp }))).toBe('applied');
    await receiver.waitFor(of(email.id, 'email.delivery_delayed'));
    const [event] = receiver.delivered(of(email.id, 'email.delivery_delayed'));
    expect(event.headers['webhook-id']).toBe(`evt_${email.id}_delivery_delayed_report`);
    expect(event.body.data).toMatchObject({ status: 'sent', recipient: 'frank@slow.example.com' });
    expect((await statusOf(email.id)).status).toBe('sent');
    await entryOf('frank@slow.example.com').expect(404);
  });

  it("ignores a bounce naming a recipient the email did not have: nobody's suppressed", async () => {
    const email = await sent(fresh('someone'));
    const report = reportAbout('postfix-user-unknown', { verp: email.verp });
    expect(await intake.take(report)).toBe('ignored');
    expect((await statusOf(email.id)).status).toBe('sent');
    await entryOf(ANN).expect(404);
  });

  it("ignores another key's email when a key is given", async () => {
    const email = await sent(fresh('ann'));
    expect(await intake.take(userUnknown(email), 'other')).toBe('ignored');
    expect((await statusOf(email.id)).status).toBe('sent');
  });

  it('ignores a forged VERP tag, an unknown Message-ID and a Message-ID that is not the record’s', async () => {
    const email = await sent(fresh('ann'));
    const forged = email.verp.replace(/\.[0-9a-f]{16}@/, '.0123456789abcdef@');
    expect(await intake.take(userUnknown(email, { verp: forged }))).toBe('ignored');
    expect(await intake.take(userUnknown(email, {}))).toBe('ignored');
    const otherDomain = email.messageId.replace('@shop.example>', '@elsewhere.example>');
    expect(await intake.take(userUnknown(email, { messageId: otherDomain }))).toBe('ignored');
    expect((await statusOf(email.id)).status).toBe('sent');
  });

  it.each(['plain-junk', 'malformed', 'auto-reply'])(
    'drops %s without changing anything',
    async (name) => {
      const email = await sent(fresh('ann'));
      const raw = fixture(name)
        .replaceAll(ANN, email.to)
        .replace(/2f1c9a4e-7b3d-4e8a-9c51-0d6e2b7f8a13/g, email.id);
      expect(await intake.take(Buffer.from(raw))).toBe('ignored');
      expect((await statusOf(email.id)).status).toBe('sent');
    },
  );

  it('never throws, whatever the bytes', async () => {
    for (const raw of [Buffer.alloc(0), randomBytes(4096), Buffer.from('\r\n.\r\n')])
      expect(await intake.take(raw)).toBe('ignored');
  });
});
