import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { WEBHOOK_QUEUE } from '../src/email/store/email.constants';
import { APP_KEY, OTHER_KEY, SHOP_KEY, acceptedId, jsonFile, textMail } from './support/fixtures';
import { Env, InProcessService, useStack } from './support/service';
import { smtpError } from './support/smtp-sink';
import { ReceivedEvent, WebhookReceiver } from './support/webhook-receiver';
import { until } from './support/poll';

const TEAM_KEY = 'test-key-team-0123456789';
const ENDPOINTS = ['fallback', 'shop', 'team'] as const;
type Endpoint = (typeof ENDPOINTS)[number];
const receivers = {} as Record<Endpoint, WebhookReceiver>;

/**
 * app and other: WEBHOOK_URL's endpoint (they have none of their own); shop: its own, failures
 * only; team: its own, every type.
 */
function keyFile(): string {
  const { shop, team } = receivers;
  return jsonFile([
    { name: 'app', key: APP_KEY },
    { name: 'other', key: OTHER_KEY },
    {
      name: 'shop',
      key: SHOP_KEY,
      webhook: { url: shop.url, secret: shop.secret, events: ['email.failed'] },
    },
    { name: 'team', key: TEAM_KEY, webhook: { url: team.url, secret: team.secret } },
  ]);
}

const idOf = (body: ReceivedEvent['body']): string => String(body.data.email_id);

/** Which endpoint gets which key's events, and that an endpoint holds up no send. */
describe('webhook routing', () => {
  const stack = useStack(null);
  let service: InProcessService;
  const env = (): Env => ({
    API_KEYS_FILE: keyFile(),
    WEBHOOK_URL: receivers.fallback.url,
    WEBHOOK_SECRET: receivers.fallback.secret,
    WEBHOOK_ATTEMPTS: '4',
    WEBHOOK_BACKOFF_MS: '100',
    WEBHOOK_TIMEOUT_MS: '1000',
    SEND_ATTEMPTS: '3',
    SEND_BACKOFF_MS: '50',
  });
  const statusOf = async (http: InProcessService['http'], id: string, key: string) =>
    (await http.get(`/send-email/${id}`).set('X-API-Key', key).expect(200)).body as {
      status: string;
    };

  beforeAll(async () => {
    for (const name of ENDPOINTS) receivers[name] = await WebhookReceiver.start();
    service = await stack.start(env());
  });
  afterEach(() => {
    stack.smtp.onRcpt = undefined;
    for (const receiver of Object.values(receivers)) expect(receiver.forged).toEqual([]);
  });
  afterAll(async () => {
    await Promise.all(Object.values(receivers).map((receiver) => receiver.stop()));
  });

  it("keeps each key's events to its own endpoint, filtered as it asked", async () => {
    stack.smtp.onRcpt = (address) =>
      address.startsWith('gone@') ? smtpError(550, '550 5.1.1 No such user') : undefined;
    const gone = { email_to: 'gone@example.com' };
    const emails = {
      shopSent: { key: SHOP_KEY, body: textMail('Shop sent') },
      shopFailed: { key: SHOP_KEY, body: textMail('Shop failed', gone) },
      teamSent: { key: TEAM_KEY, body: textMail('Team sent') },
      teamFailed: { key: TEAM_KEY, body: textMail('Team failed', gone) },
      otherSent: { key: OTHER_KEY, body: textMail('Other sent') },
      appSent: { key: APP_KEY, body: textMail('App sent') },
    };
    const sent: Record<string, { id: string; key: string }> = {};
    for (const [name, { key, body }] of Object.entries(emails))
      sent[name] = { id: await acceptedId(service.http, body, key), key };
    const id = (name: keyof typeof emails): string => sent[name].id;
    // Every email at its end; an event is stored with that change, so all are queued by now...
    for (const email of Object.values(sent))
      await until(async () =>
        ['sent', 'failed'].includes((await statusOf(service.http, email.id, email.key)).status)
          ? true
          : undefined,
      );
    // ...and once the webhook queue is idle, each has reached whichever endpoint it went to.
    const webhooks = service.app.get<Queue>(getQueueToken(WEBHOOK_QUEUE));
    await until(async () => {
      const { waiting, active, delayed } = await webhooks.getJobCounts();
      return waiting + active + delayed === 0 ? true : undefined;
    });
    // Each endpoint got exactly its keys' events (of the types it asked for), and no other's.
    const got = (name: Endpoint): string[] =>
      [...new Set(receivers[name].events.map(({ body }) => `${body.type} ${idOf(body)}`))].sort();
    const expected = (...events: [string, keyof typeof emails][]): string[] =>
      events.map(([type, name]) => `email.${type} ${id(name)}`).sort();
    expect(got('fallback')).toEqual(expected(['sent', 'appSent'], ['sent', 'otherSent']));
    expect(got('shop')).toEqual(expected(['failed', 'shopFailed']));
    expect(got('team')).toEqual(expected(['sent', 'teamSent'], ['failed', 'teamFailed']));
    const idSets = ENDPOINTS.map(
      (name) => new Set(receivers[name].events.map((e) => idOf(e.body))),
    );
    const all = idSets.flatMap((ids) => [...ids]);
    expect(new Set(all).size).toBe(all.length);
  });

  it('never holds up sending while the endpoint hangs', async () => {
    // A service of its own (its own queues), whose POSTs would wait out a minute's timeout.
    const hanging = await WebhookReceiver.start();
    hanging.answer = () => 'hang';
    const slow = await stack.start({
      ...env(),
      WEBHOOK_URL: hanging.url,
      WEBHOOK_SECRET: hanging.secret,
      WEBHOOK_TIMEOUT_MS: '60000',
      QUEUE_PREFIX: 'webhook-routing-hang',
    });
    try {
      const ids = await Promise.all(
        Array.from({ length: 20 }, (_, n) => acceptedId(slow.http, textMail(`Hang ${n}`))),
      );
      await stack.smtp.waitForUnique('Hang ', ids.length);
      for (const id of ids)
        await until(async () =>
          (await statusOf(slow.http, id, APP_KEY)).status === 'sent' ? true : undefined,
        );
      // Every send done, while the endpoint holds POSTs open and has answered none: no send
      // can have waited for its POST.
      await until(() => (hanging.hanging > 0 ? true : undefined));
      expect(hanging.events).toEqual([]);
      // Back to answering: every event then arrives, and nothing is left hanging.
      hanging.answer = () => 200;
      hanging.release();
      const delivered = (): number =>
        new Set(hanging.delivered().map(({ body }) => String(body.data.email_id))).size;
      await until(() => (delivered() === ids.length ? true : undefined));
      expect(hanging.forged).toEqual([]);
    } finally {
      hanging.answer = () => 200;
      hanging.release();
      await hanging.stop();
    }
  });
});
