import {
  SentEmail,
  fixture,
  fresh,
  reportAbout,
  sendAndDeliver,
  useBounceService,
  userUnknown,
} from './support/bounce-reports';
import { APP_KEY, OTHER_KEY } from './support/fixtures';
import { InProcessService } from './support/service';
import { WebhookReceiver, eventOf } from './support/webhook-receiver';

type Status = Record<string, unknown> & { status: string };

const of = eventOf;

/** POST /bounces (SPEC §3): a raw report, applied to the calling key's emails only. */
describe('POST /bounces', () => {
  const bounce = useBounceService();
  let service: InProcessService;
  let receiver: WebhookReceiver;

  beforeAll(() => {
    ({ service, receiver } = bounce);
  });

  const sent = (to: string): Promise<SentEmail> => sendAndDeliver(service, bounce.smtp, to);
  const post = (report: Buffer | string, key = APP_KEY, type = 'message/rfc822') =>
    service.http
      .post('/bounces')
      .set('X-API-Key', key)
      .set('Content-Type', type)
      .send(Buffer.from(report));
  const statusOf = async (id: string): Promise<Status> =>
    (await service.http.get(`/send-email/${id}`).set('X-API-Key', APP_KEY).expect(200))
      .body as Status;
  const entryOf = (address: string) =>
    service.http.get(`/suppressions/${address}`).set('X-API-Key', APP_KEY);

  it('bounces the email of a DSN: 202, status bounced, recipient suppressed, email.bounced', async () => {
    const email = await sent(fresh('ann'));
    expect((await post(userUnknown(email)).expect(202)).body).toEqual({ result: 'accepted' });
    expect(await statusOf(email.id)).toMatchObject({
      status: 'bounced',
      bounce: { recipient: email.to, status: '5.1.1' },
    });
    expect((await entryOf(email.to).expect(200)).body).toMatchObject({
      reason: 'bounce',
      email_id: email.id,
    });
    await receiver.waitFor(of(email.id, 'email.bounced'));
    expect(receiver.delivered(of(email.id, 'email.bounced'))[0].body.data).toMatchObject({
      status: 'bounced',
      recipient: email.to,
      diagnostic: expect.stringContaining('5.1.1'),
    });
  });

  it('finds the email by its Message-ID alone (a mailbox that kept no VERP address)', async () => {
    const email = await sent(fresh('ann'));
    await post(userUnknown(email, { messageId: email.messageId })).expect(202);
    expect((await statusOf(email.id)).status).toBe('bounced');
  });

  it('suppresses a complaint with reason complaint and tells email.complained', async () => {
    const email = await sent('Erin <erin@example.com>');
    await post(reportAbout('arf-complaint', { verp: email.verp })).expect(202);
    expect((await statusOf(email.id)).status).toBe('sent');
    expect((await entryOf('erin@example.com').expect(200)).body).toMatchObject({
      reason: 'complaint',
      email_id: email.id,
    });
    await receiver.waitFor(of(email.id, 'email.complained'));
  });

  it('tells a delay report as email.delivery_delayed', async () => {
    const email = await sent('frank@slow.example.com');
    await post(reportAbout('postfix-delayed', { messageId: email.messageId })).expect(202);
    await receiver.waitFor(of(email.id, 'email.delivery_delayed'));
    expect((await statusOf(email.id)).status).toBe('sent');
  });

  it("changes nothing when another key hands in a report about this key's email", async () => {
    const email = await sent(fresh('ann'));
    await post(userUnknown(email), OTHER_KEY).expect(202);
    expect((await statusOf(email.id)).status).toBe('sent');
    await entryOf(email.to).expect(404);
    expect(
      (await service.http.get(`/suppressions/${email.to}`).set('X-API-Key', OTHER_KEY).expect(404))
        .body.code,
    ).toBe('not_found');
  });

  it.each(['plain-junk', 'malformed', 'auto-reply'])(
    'accepts %s (202) and changes nothing',
    async (name) => {
      const email = await sent(fresh('ann'));
      await post(fixture(name).replace(/ann@example\.com/g, email.to)).expect(202);
      expect((await statusOf(email.id)).status).toBe('sent');
      await entryOf(email.to).expect(404);
    },
  );

  it('accepts an empty report', async () => {
    await post('').expect(202);
  });

  it.each(['application/json', 'text/plain', 'message/rfc822x'])(
    'refuses Content-Type %s with 415 and the error body',
    async (type) => {
      const response = await post('{"a":1}', APP_KEY, type).expect(415);
      expect(response.body).toEqual({
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: expect.stringContaining('message/rfc822'),
        code: 'unsupported_media_type',
      });
    },
  );

  it('refuses a report over 1 MiB with 413', async () => {
    const response = await post(Buffer.alloc(1024 * 1024 + 1, 'a')).expect(413);
    expect(response.body).toMatchObject({ statusCode: 413, code: 'payload_too_large' });
  });

  it('needs an API key, before reading the body', async () => {
    const response = await service.http
      .post('/bounces')
      .set('Content-Type', 'message/rfc822')
      .send(Buffer.from(fixture('postfix-user-unknown')))
      .expect(401);
    expect(response.body.code).toBe('unauthorized');
  });
});
