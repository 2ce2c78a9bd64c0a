import { parseVerp } from '../src/email/bounces/verp';
import { APP_KEY, acceptedId, textMail } from './support/fixtures';
import { InProcessService, useStack } from './support/service';

const DOMAIN = 'bounces.shop.example';

/** SPEC §8: with BOUNCE_DOMAIN, each email's envelope sender is its own VERP address. */
describe('envelope sender (Return-Path)', () => {
  const stack = useStack(null);
  let verp: InProcessService;
  let plain: InProcessService;

  beforeAll(async () => {
    verp = await stack.start({ API_KEYS: `app:${APP_KEY}`, BOUNCE_DOMAIN: 'Bounces.Shop.Example' });
    plain = await stack.start({ API_KEYS: `app:${APP_KEY}`, QUEUE_PREFIX: 'return-path-plain' });
  });

  const secretOf = async (service: InProcessService): Promise<Buffer> =>
    Buffer.from((await service.queue.client.get(service.queue.toKey('verp-secret')))!, 'hex');
  const deliveryOf = async (service: InProcessService, id: string) => {
    await service.finished(id);
    return stack.smtp.mails.find((mail) => mail.parsed.messageId === `<${id}@shop.example>`)!;
  };

  it('is the VERP address of the email with BOUNCE_DOMAIN; From and recipients stay', async () => {
    const id = await acceptedId(
      verp.http,
      textMail('Verp', { email_to: ['ann@example.com'], cc: ['cy@example.com'], bcc: ['b@x.io'] }),
    );
    const mail = await deliveryOf(verp, id);
    expect(mail.from).toMatch(new RegExp(`^bounce\\+${id}\\.[0-9a-f]{16}@${DOMAIN}$`));
    const secret = await secretOf(verp);
    expect(secret.length).toBe(32);
    expect(parseVerp(mail.from, DOMAIN, secret)).toBe(id);
    expect(mail.to.sort()).toEqual(['ann@example.com', 'b@x.io', 'cy@example.com']);
    expect(mail.parsed.from?.text).toBe('no-reply@shop.example');
    expect(mail.parsed.headers.has('bcc')).toBe(false);
  });

  it('keeps one secret: a second email verifies with the same one', async () => {
    const secret = await secretOf(verp);
    const id = await acceptedId(verp.http, textMail('Verp again'));
    expect(parseVerp((await deliveryOf(verp, id)).from, DOMAIN, secret)).toBe(id);
  });

  it('puts its secret back into a Redis that lost it, so addresses already out still verify', async () => {
    const secret = await secretOf(verp);
    await stack.redis.kill();
    await stack.redis.restart();
    const deadline = Date.now() + 10_000;
    while ((await verp.queue.client.get(verp.queue.toKey('verp-secret'))) === null) {
      if (Date.now() > deadline) throw new Error('the secret was not put back');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await secretOf(verp)).toEqual(secret);
    const id = await acceptedId(verp.http, textMail('After a Redis restart'));
    expect(parseVerp((await deliveryOf(verp, id)).from, DOMAIN, secret)).toBe(id);
  });

  it('is the From address without BOUNCE_DOMAIN, and no secret is made', async () => {
    const id = await acceptedId(plain.http, textMail('Plain'));
    expect((await deliveryOf(plain, id)).from).toBe('no-reply@shop.example');
    expect(await plain.queue.client.exists(plain.queue.toKey('verp-secret'))).toBe(0);
  });
});
