import { simpleParser } from 'mailparser';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_KEY, OTHER_KEY, textMail } from './support/fixtures';
import { InProcessService, useStack } from './support/service';
import type { SmtpSink } from './support/smtp-sink';

const LIMITED_KEY = 'test-key-limited-0123456789';
const TEST_MODE_KEY = 'test-key-testmode-0123456789';

describe('API depth: idempotency, batch, scheduling, rate limits, test keys, template API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'api-depth-'));
  const outbox = join(dir, 'outbox');
  const keyFile = join(dir, 'keys.json');
  writeFileSync(
    keyFile,
    JSON.stringify([
      { name: 'limited', key: LIMITED_KEY, rate_limit_per_minute: 5 },
      { name: 'ci', key: TEST_MODE_KEY, test: true },
    ]),
  );
  const env = {
    OUTBOX_DIR: outbox,
    API_KEYS: `app:${APP_KEY},other:${OTHER_KEY}`,
    API_KEYS_FILE: keyFile,
    WORKER_CONCURRENCY: '8',
  };
  const stack = useStack(() => env);
  let t: InProcessService;
  let smtp: SmtpSink;
  /** A second app instance on the same Redis, API only. */
  let second: InProcessService;

  beforeAll(async () => {
    ({ service: t, smtp } = stack);
    second = await stack.start({ ...env, ROLE: 'api' });
  });

  const post = (body: object, key = APP_KEY, app = t) =>
    app.http.post('/send-email/').set('X-API-Key', key).send(body);
  const jobsWithSubject = async (subject: string) =>
    (await t.queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed'])).filter(
      (job) => job?.data.subject === subject,
    );

  describe('Idempotency-Key', () => {
    it('replays the first answer for a repeat and queues one mail', async () => {
      const body = textMail('Idempotent once');
      const first = await post(body).set('Idempotency-Key', 'order-1001').expect(202);
      expect(first.headers['idempotent-replay']).toBeUndefined();
      const again = await post(body).set('Idempotency-Key', 'order-1001').expect(202);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replay']).toBe('true');
      await t.finished(first.body.id);
      expect(await jobsWithSubject('Idempotent once')).toHaveLength(1);
      expect(smtp.bySubject('Idempotent once')).toHaveLength(1);
    });

    it('answers 409 for the same key with a different body', async () => {
      await post(textMail('Conflict A')).set('Idempotency-Key', 'order-1002').expect(202);
      const response = await post(textMail('Conflict B'))
        .set('Idempotency-Key', 'order-1002')
        .expect(409);
      expect(response.body).toMatchObject({ statusCode: 409, code: 'idempotency_conflict' });
      expect(await jobsWithSubject('Conflict B')).toHaveLength(0);
    });

    it('queues exactly one job for 20 concurrent requests with one key', async () => {
      const body = textMail('Concurrent idempotent');
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          post(body, APP_KEY, i % 2 ? second : t).set('Idempotency-Key', 'order-1003'),
        ),
      );
      const accepted = responses.filter((r) => r.status === 202);
      const refused = responses.filter((r) => r.status === 409);
      expect(accepted.length + refused.length).toBe(20);
      expect(new Set(accepted.map((r) => (r.body as { id: string }).id)).size).toBe(1);
      for (const r of refused) expect(r.headers['retry-after']).toBe('1');
      await t.finished(accepted[0].body.id);
      expect(await jobsWithSubject('Concurrent idempotent')).toHaveLength(1);
      expect(smtp.bySubject('Concurrent idempotent')).toHaveLength(1);
    });

    it('scopes keys to the API key', async () => {
      const body = textMail('Per API key');
      const mine = await post(body, APP_KEY).set('Idempotency-Key', 'order-1004').expect(202);
      const theirs = await post(body, OTHER_KEY).set('Idempotency-Key', 'order-1004').expect(202);
      expect(theirs.body.id).not.toBe(mine.body.id);
    });

    it('forgets a key whose request was refused, so a corrected retry goes through', async () => {
      await post({ ...textMail('Fixed later'), email_to: 'nope' })
        .set('Idempotency-Key', 'order-1005')
        .expect(400);
      await post(textMail('Fixed later')).set('Idempotency-Key', 'order-1005').expect(202);
    });

    it.each([
      ['empty', ''],
      ['257 characters', 'k'.repeat(257)],
    ])('answers 400 for a key that is %s', async (_what, key) => {
      const response = await post(textMail('Bad key')).set('Idempotency-Key', key).expect(400);
      expect(response.body.errors).toEqual([
        { field: 'Idempotency-Key', message: expect.any(String) },
      ]);
    });
  });

  describe('POST /send-email/batch', () => {
    it('queues 100 mails and answers their ids in order', async () => {
      const emails = Array.from({ length: 100 }, (_, i) => textMail(`Batch ${i}`));
      const response = await t.http
        .post('/send-email/batch')
        .set('X-API-Key', APP_KEY)
        .send({ emails })
        .expect(202);
      expect(response.body.result).toBe('queued');
      expect(response.body.ids).toHaveLength(100);
      expect(new Set(response.body.ids).size).toBe(100);
      await smtp.waitForUnique('Batch ', 100);
      const subjectOf = new Map(
        smtp.tally('Batch ').mails.map((m) => [m.parsed.messageId, m.parsed.subject]),
      );
      (response.body.ids as string[]).forEach((id, i) =>
        expect(subjectOf.get(`<${id}@shop.example>`)).toBe(`Batch ${i}`),
      );
      expect(smtp.tally('Batch ').duplicates).toBe(0);
    });

    it('refuses the whole batch when one item is bad, naming its index, and queues nothing', async () => {
      const emails = Array.from({ length: 50 }, (_, i) => textMail(`Bad batch ${i}`));
      emails[37] = { ...emails[37], subject: '' };
      emails[41] = { ...emails[41], template: 'nope', message: undefined };
      const response = await t.http
        .post('/send-email/batch')
        .set('X-API-Key', APP_KEY)
        .send({ emails })
        .expect(400);
      expect((response.body.errors as { field: string }[]).map((e) => e.field)).toEqual([
        'emails.37.subject',
      ]);
      const semantic = { ...emails[37], subject: 'ok' };
      emails[37] = semantic;
      const second = await t.http
        .post('/send-email/batch')
        .set('X-API-Key', APP_KEY)
        .send({ emails })
        .expect(400);
      expect(second.body.errors).toEqual([
        { field: 'emails.41.template', message: expect.stringContaining('emails.41.template') },
      ]);
      expect(
        (await t.queue.getJobs(['waiting', 'active', 'delayed', 'completed'])).filter((j) =>
          (j?.data as { subject: string }).subject.startsWith('Bad batch'),
        ),
      ).toHaveLength(0);
    });

    it.each([
      ['empty', []],
      ['101 emails', Array.from({ length: 101 }, (_, i) => textMail(`Too many ${i}`))],
    ])('answers 400 for a batch that is %s', async (_what, emails) => {
      const response = await t.http
        .post('/send-email/batch')
        .set('X-API-Key', APP_KEY)
        .send({ emails })
        .expect(400);
      expect(response.body.errors[0].field).toBe('emails');
    });
  });

  describe('send_at', () => {
    it('schedules a mail and delivers it not before that time', async () => {
      const sendAt = new Date(Date.now() + 2000);
      const response = await post(textMail('Scheduled', { send_at: sendAt.toISOString() })).expect(
        202,
      );
      expect(response.body.result).toBe('scheduled');
      const { body: status } = await t.http
        .get(`/send-email/${response.body.id}`)
        .set('X-API-Key', APP_KEY)
        .expect(200);
      expect(status).toMatchObject({ status: 'scheduled', send_at: sendAt.toISOString() });
      await smtp.waitForUnique('Scheduled', 1, 10_000);
      expect(smtp.bySubject('Scheduled')[0].at).toBeGreaterThanOrEqual(sendAt.getTime());
    });

    it.each([
      ['in the past', new Date(Date.now() - 60_000).toISOString()],
      ['31 days ahead', new Date(Date.now() + 31 * 24 * 3600_000).toISOString()],
      ['without a time zone', '2030-01-01T09:00:00'],
      ['not a date', 'tomorrow morning'],
      ['a date without a time', '2030-01-01'],
    ])('answers 400 for a send_at %s', async (_what, sendAt) => {
      const response = await post(textMail('Never', { send_at: sendAt })).expect(400);
      expect(response.body.errors[0].field).toBe('send_at');
    });
  });

  describe('rate limits', () => {
    it('answers 429 with Retry-After and RateLimit headers after the key’s limit, across two app instances', async () => {
      for (let i = 0; i < 5; i++) {
        const response = await post(
          textMail(`Limited ${i}`),
          LIMITED_KEY,
          i % 2 ? second : t,
        ).expect(202);
        expect(response.headers['ratelimit-limit']).toBe('5');
        expect(response.headers['ratelimit-remaining']).toBe(String(4 - i));
        expect(Number(response.headers['ratelimit-reset'])).toBeGreaterThan(0);
      }
      const refused = await post(textMail('Limited 5'), LIMITED_KEY, second).expect(429);
      expect(refused.body).toMatchObject({ statusCode: 429, code: 'rate_limited' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.headers['ratelimit-limit']).toBe('5');
      expect(refused.headers['ratelimit-remaining']).toBe('0');
      expect(Number(refused.headers['ratelimit-reset'])).toBeGreaterThan(0);
      await post(textMail('Not limited'), APP_KEY, second).expect(202);
    });
  });

  describe('test-mode keys', () => {
    it('renders and records the mail, writes it to the outbox and never to SMTP', async () => {
      const body = {
        ...textMail('Test mode'),
        message: undefined,
        template: 'verify-email',
        context: { action_url: 'https://shop.example/v' },
      };
      const { body: accepted } = await post(body, TEST_MODE_KEY).expect(202);
      await t.finished(accepted.id);
      const { body: status } = await t.http
        .get(`/send-email/${accepted.id}`)
        .set('X-API-Key', TEST_MODE_KEY)
        .expect(200);
      expect(status).toMatchObject({ status: 'sent', test: true });
      const files = readdirSync(outbox).filter((file) => file.includes(accepted.id));
      expect(files).toHaveLength(1);
      const written = await simpleParser(readFileSync(join(outbox, files[0])));
      expect(written.subject).toBe('Test mode');
      expect(written.html).toContain('https://shop.example/v');
      expect(smtp.bySubject('Test mode')).toHaveLength(0);
    });
  });

  describe('template API', () => {
    it('lists the templates with their context keys', async () => {
      const { body } = await t.http.get('/templates').set('X-API-Key', APP_KEY).expect(200);
      expect(body).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            name: 'verify-email',
            required: ['action_url'],
            optional: ['name', 'app_name', 'expires_in'],
          }),
          expect.objectContaining({ name: 'reset-password', required: ['action_url'] }),
        ]),
      );
    });

    it('renders exactly what arrives by mail for the same context', async () => {
      const context = {
        action_url: 'https://shop.example/reset?t=9',
        name: 'Ann & Co',
        app_name: 'Shop',
        expires_in: '1 hour',
      };
      const { body: rendered } = await t.http
        .post('/templates/reset-password/render')
        .set('X-API-Key', APP_KEY)
        .send({ context })
        .expect(200);
      const { body } = await post({
        ...textMail('Rendered'),
        message: undefined,
        template: 'reset-password',
        context,
      }).expect(202);
      await t.finished(body.id);
      const [arrived] = smtp.bySubject('Rendered');
      expect(arrived.parsed.html).toBe(rendered.html);
      expect(arrived.parsed.text).toBe(rendered.text);
    });

    it.each([
      ['an unknown template', '/templates/nope/render', { context: {} }, 'template'],
      ['a template path', '/templates/..%2Fpackage/render', { context: {} }, 'template'],
      [
        'missing context',
        '/templates/verify-email/render',
        { context: { name: 'Ann' } },
        'context.action_url',
      ],
      [
        'an unknown field',
        '/templates/verify-email/render',
        { context: { action_url: 'x' }, extra: 1 },
        'extra',
      ],
    ])('answers 400 for %s', async (_what, path, body, field) => {
      const response = await t.http.post(path).set('X-API-Key', APP_KEY).send(body).expect(400);
      expect((response.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    });

    it('needs an API key', async () => {
      await t.http.get('/templates').expect(401);
    });
  });
});
