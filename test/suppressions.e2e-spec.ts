import { APP_KEY, OTHER_KEY, acceptedId, textMail } from './support/fixtures';
import { InProcessService, useStack } from './support/service';
import { smtpError } from './support/smtp-sink';
import { ReceivedEvent, WebhookReceiver } from './support/webhook-receiver';
import { until } from './support/poll';

type Entry = Record<string, unknown> & { address: string; reason: string };
type Status = Record<string, unknown> & { status: string };

const receiver: { hook?: WebhookReceiver } = {};
const inMs = (ms: number): string => new Date(Date.now() + ms).toISOString();

/** Suppression lists (SPEC §3, §8): the API, and the worker leaving out and adding addresses. */
describe('suppressions', () => {
  const stack = useStack(null);
  let service: InProcessService;

  beforeAll(async () => {
    receiver.hook = await WebhookReceiver.start();
    service = await stack.start({
      API_KEYS: `app:${APP_KEY},other:${OTHER_KEY}`,
      RATE_LIMIT_PER_MINUTE: '0',
      WEBHOOK_URL: receiver.hook.url,
      WEBHOOK_SECRET: receiver.hook.secret,
      SEND_ATTEMPTS: '2',
      SEND_BACKOFF_MS: '50',
    });
  });
  afterEach(() => {
    stack.smtp.onRcpt = undefined;
    expect(receiver.hook!.forged).toEqual([]);
  });
  afterAll(() => receiver.hook?.stop());

  const add = (address: unknown, key = APP_KEY, extra: object = {}) =>
    service.http
      .post('/suppressions')
      .set('X-API-Key', key)
      .send({ address, ...extra });
  const get = (address: string, key = APP_KEY) =>
    service.http.get(`/suppressions/${encodeURIComponent(address)}`).set('X-API-Key', key);
  const remove = (address: string, key = APP_KEY) =>
    service.http.delete(`/suppressions/${encodeURIComponent(address)}`).set('X-API-Key', key);
  const statusOf = async (id: string): Promise<Status> =>
    (await service.http.get(`/send-email/${id}`).set('X-API-Key', APP_KEY).expect(200))
      .body as Status;
  /** The mails of email `id` the sink received (its Message-ID holds the id). */
  const deliveries = (id: string) =>
    stack.smtp.mails.filter((mail) => mail.parsed.messageId?.startsWith(`<${id}@`));
  const settled = (id: string): Promise<unknown> => service.finished(id).catch(() => undefined);

  describe('the API', () => {
    it('adds, reads and deletes an entry, comparing addresses case-insensitively', async () => {
      const created = await add('Ann.Case@Example.COM').expect(201);
      expect(created.body).toEqual({
        address: 'ann.case@example.com',
        reason: 'manual',
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect((await get('ann.case@example.com').expect(200)).body).toEqual(created.body);
      expect((await get('ANN.CASE@example.com').expect(200)).body).toEqual(created.body);
      // A re-add keeps the first entry.
      expect((await add('ann.case@EXAMPLE.com').expect(201)).body).toEqual(created.body);
      await remove('Ann.Case@example.com').expect(204);
      expect((await get('ann.case@example.com').expect(404)).body.code).toBe('not_found');
      expect((await remove('ann.case@example.com').expect(404)).body.code).toBe('not_found');
    });

    it("keeps each key's list to itself", async () => {
      await add('own@example.com', OTHER_KEY).expect(201);
      await get('own@example.com', APP_KEY).expect(404);
      await remove('own@example.com', APP_KEY).expect(404);
      await get('own@example.com', OTHER_KEY).expect(200);
      const list = await service.http.get('/suppressions').set('X-API-Key', APP_KEY).expect(200);
      expect((list.body.data as Entry[]).map((entry) => entry.address)).not.toContain(
        'own@example.com',
      );
    });

    it.each([
      ['a bad address', { address: 'not an address' }, 'address'],
      ['a display name', { address: 'Ann <ann@example.com>' }, 'address'],
      ['no address', {}, 'address'],
      ['reason bounce', { address: 'ann@example.com', reason: 'bounce' }, 'reason'],
      ['an unknown reason', { address: 'ann@example.com', reason: 'spite' }, 'reason'],
      ['an unknown field', { address: 'ann@example.com', why: 'x' }, 'why'],
    ])('refuses %s with 400 naming the field', async (_what, body, field) => {
      const response = await service.http
        .post('/suppressions')
        .set('X-API-Key', APP_KEY)
        .send(body)
        .expect(400);
      expect(response.body.code).toBe('validation_failed');
      expect(response.body.errors).toEqual([expect.objectContaining({ field })]);
    });

    it('refuses a bad :address and a bad limit with 400', async () => {
      const bad = await get('nobody').expect(400);
      expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'address' })]);
      for (const limit of ['0', '1001', 'x'])
        await service.http
          .get(`/suppressions?limit=${limit}`)
          .set('X-API-Key', APP_KEY)
          .expect(400);
    });

    it('needs an API key', async () => {
      await service.http.get('/suppressions').expect(401);
      await service.http.post('/suppressions').send({ address: 'a@example.com' }).expect(401);
    });

    it('pages 250 entries by 100: three pages, each entry exactly once, adds meanwhile', async () => {
      const addresses = Array.from(
        { length: 250 },
        (_, i) => `page${String(i).padStart(3, '0')}@paging.example`,
      );
      for (let i = 0; i < addresses.length; i += 50)
        await Promise.all(addresses.slice(i, i + 50).map((a) => add(a, OTHER_KEY).expect(201)));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const query = `limit=100${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await service.http
          .get(`/suppressions?${query}`)
          .set('X-API-Key', OTHER_KEY)
          .expect(200);
        seen.push(...(page.body.data as Entry[]).map((entry) => entry.address));
        cursor = page.body.next as string | undefined;
        // Entries added before the cursor are not seen on this walk, nor make any repeat.
        if (pages++ === 0) await add('aaa@paging.example', OTHER_KEY).expect(201);
      } while (cursor);
      const mine = seen.filter((address) => address.endsWith('@paging.example'));
      expect(pages).toBe(3);
      expect(mine).toEqual(addresses);
      expect(new Set(seen).size).toBe(seen.length);
    });
  });

  describe('at send time', () => {
    const of =
      (id: string, type: string) =>
      (event: ReceivedEvent): boolean =>
        event.body.data.email_id === id && event.body.type === type;

    it('leaves a suppressed recipient out and sends to the rest', async () => {
      await add('Left.Out@Example.com').expect(201);
      const id = await acceptedId(
        service.http,
        textMail('Some left out', { email_to: ['kept@example.com'], cc: ['left.out@example.COM'] }),
      );
      await service.finished(id);
      const [mail] = deliveries(id);
      expect(mail.to).toEqual(['kept@example.com']);
      expect(await statusOf(id)).toMatchObject({
        status: 'sent',
        suppressed: ['left.out@example.COM'],
      });
    });

    it('sends nothing when all are suppressed: status suppressed, email.suppressed event', async () => {
      await add('all.gone@example.com').expect(201);
      const id = await acceptedId(
        service.http,
        textMail('All left out', { email_to: 'all.gone@example.com' }),
      );
      await service.finished(id);
      expect(deliveries(id)).toEqual([]);
      expect(await statusOf(id)).toMatchObject({
        status: 'suppressed',
        suppressed: ['all.gone@example.com'],
      });
      await receiver.hook!.waitFor(of(id, 'email.suppressed'));
      const [event] = receiver.hook!.delivered(of(id, 'email.suppressed'));
      expect(event.body.data).toMatchObject({
        email_id: id,
        status: 'suppressed',
        to: ['all.gone@example.com'],
      });
      const metrics = await service.http.get('/metrics').expect(200);
      expect(metrics.text).toMatch(/^emails_suppressed_total [1-9]/m);
    });

    it('suppresses a 550 5.1.1 recipient (bounce), so the next email to it is not sent', async () => {
      stack.smtp.onRcpt = (address) =>
        address.toLowerCase().startsWith('unknown@')
          ? smtpError(550, '5.1.1 No such user')
          : undefined;
      const first = await acceptedId(
        service.http,
        textMail('Bounced', { email_to: 'Unknown@Example.com' }),
      );
      await settled(first);
      expect(await statusOf(first)).toMatchObject({
        status: 'failed',
        error: expect.stringContaining('5.1.1'),
      });
      const entry = (await get('unknown@example.com').expect(200)).body as Entry;
      expect(entry).toEqual({
        address: 'unknown@example.com',
        reason: 'bounce',
        created_at: expect.any(String),
        email_id: first,
        diagnostic: expect.stringMatching(/^550 5\.1\.1 No such user/),
      });
      const second = await acceptedId(
        service.http,
        textMail('Bounced again', { email_to: 'unknown@example.com' }),
      );
      await service.finished(second);
      expect((await statusOf(second)).status).toBe('suppressed');
      expect(deliveries(second)).toEqual([]);
    });

    it('suppresses the 5.1.1 one of a mail sent to the others', async () => {
      stack.smtp.onRcpt = (address) =>
        address.startsWith('gone2@') ? smtpError(550, '550 5.1.1 User unknown') : undefined;
      const id = await acceptedId(
        service.http,
        textMail('Partly', { email_to: ['gone2@example.com', 'here@example.com'] }),
      );
      await service.finished(id);
      expect(await statusOf(id)).toMatchObject({ status: 'sent', rejected: ['gone2@example.com'] });
      expect((await get('gone2@example.com').expect(200)).body).toMatchObject({
        reason: 'bounce',
        email_id: id,
      });
    });

    it('fails a 550 5.7.1 (policy) and a retried 451 without suppressing anyone', async () => {
      stack.smtp.onRcpt = (address) =>
        address.startsWith('policy@')
          ? smtpError(550, '5.7.1 Recipient address rejected: mailbox unavailable')
          : address.startsWith('later@')
            ? smtpError(451, '451 4.3.0 Try again later')
            : undefined;
      const policy = await acceptedId(
        service.http,
        textMail('Policy', { email_to: 'policy@example.com' }),
      );
      const later = await acceptedId(
        service.http,
        textMail('Later', { email_to: 'later@example.com' }),
      );
      await Promise.all([settled(policy), settled(later)]);
      expect((await statusOf(policy)).status).toBe('failed');
      expect((await statusOf(later)).status).toBe('failed');
      await get('policy@example.com').expect(404);
      await get('later@example.com').expect(404);
    });

    it('suppresses a scheduled email whose recipient was suppressed after scheduling', async () => {
      const id = await acceptedId(
        service.http,
        textMail('Scheduled', { email_to: 'later.gone@example.com', send_at: inMs(1500) }),
      );
      expect((await statusOf(id)).status).toBe('scheduled');
      await add('later.gone@example.com').expect(201);
      const status = await until(async () => {
        const now = await statusOf(id);
        return now.status === 'suppressed' ? now : undefined;
      });
      expect(status).toMatchObject({ suppressed: ['later.gone@example.com'] });
      expect(deliveries(id)).toEqual([]);
    });
  });
});
