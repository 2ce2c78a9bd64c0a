import type { Job } from 'bull';
import Redis from 'ioredis';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_KEY, acceptedId, textMail } from './support/fixtures';
import { useStack } from './support/service';
import { smtpError } from './support/smtp-sink';

const SECRET = 'SECRET-AT-REST-7f3a';
const base64 = (text: string): string => Buffer.from(text).toString('base64');

/** Edits a job's data the way someone with Redis access could, through Bull's own API. */
const HOSTILE: [string, Record<string, unknown>][] = [
  [
    'an attachment read from a path',
    { attachments: [{ filename: 'a.txt', path: '/etc/hostname' }] },
  ],
  [
    'an attachment fetched from a URL',
    { attachments: [{ filename: 'a', href: 'http://127.0.0.1:9/' }] },
  ],
  ['an HTML body read from a path', { html: { path: '/etc/hostname' } }],
  ['a text body fetched from a URL', { text: { href: 'http://127.0.0.1:9/' } }],
  [
    'a raw header object',
    { headers: { 'X-A': { prepared: true, value: 'x\r\nBcc: v@evil.example' } } },
  ],
  ['a header value with CRLF', { headers: { 'X-A': 'v\r\nBcc: victim@evil.example' } }],
  ['a Bcc header', { headers: { Bcc: 'victim@evil.example' } }],
  [
    'a recipient with CRLF',
    { to: [{ name: '', address: 'ann@example.com\r\nRCPT TO:<v@evil.example>' }] },
  ],
  [
    'a sender name hiding a second address',
    { from: { name: 'x" <v@evil.example>, "y', address: 'a@shop.example' } },
  ],
  ['a recipient that is a string', { to: ['victim@evil.example'] }],
  ['a raw message', { raw: 'From: a@evil.example\r\n\r\nforged' }],
  ['an envelope of its own', { envelope: { to: 'victim@evil.example' } }],
  ['a template path', { template: '../package', context: {} }],
  ['a subject with CRLF', { subject: 'Hi\r\nBcc: victim@evil.example' }],
  ['a subject with a bidi override', { subject: 'Invoice \u202Efdp.exe' }],
  [
    'a sender name that looks like an address',
    { from: { name: 'ceo@bank.example', address: 'a@shop.example' } },
  ],
  ['data that is not an object', { __replace: 'just a string' }],
];

describe('the worker distrusts job data, and keeps nothing at rest once sent', () => {
  const outbox = mkdtempSync(join(tmpdir(), 'untrusted-outbox-'));
  const stack = useStack(() => ({
    API_KEYS: `app:${APP_KEY}`,
    OUTBOX_DIR: outbox,
    FAILED_JOBS_KEPT: '3',
  }));
  const later = (): string => new Date(Date.now() + 3_600_000).toISOString();
  const accept = (body: object): Promise<string> => acceptedId(stack.service.http, body);
  const status = async (id: string): Promise<Record<string, unknown>> =>
    (await stack.service.http.get(`/send-email/${id}`).set('X-API-Key', APP_KEY).expect(200))
      .body as Record<string, unknown>;

  it.each(HOSTILE)('fails a job edited to hold %s, sending nothing', async (what, patch) => {
    const subject = `Hostile ${what}`;
    const id = await accept(textMail(subject, { send_at: later() }));
    const job = (await stack.service.queue.getJob(id)) as Job;
    const { __replace, ...fields } = patch;
    await job.update(__replace ?? { ...(job.data as object), ...fields });
    await job.promote();
    await expect(stack.service.finished(id)).rejects.toThrow(/job data refused/);
    expect(await status(id)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^job data refused: /),
    });
    expect(((await stack.service.queue.getJob(id)) as Job).attemptsMade).toBe(1);
    expect(stack.smtp.bySubject(subject)).toHaveLength(0);
    expect(stack.smtp.mails.filter((mail) => mail.to.includes('victim@evil.example'))).toHaveLength(
      0,
    );
    expect(readdirSync(outbox)).toHaveLength(0);
  });

  it('keeps no body, template context or attachment content in Redis once sent', async () => {
    const ids = [
      await accept(
        textMail('At rest 1', {
          message: { text: `${SECRET} text`, html: `<p>${SECRET} html</p>` },
          attachments: [{ filename: 'a.txt', content: base64(`${SECRET} attachment`) }],
        }),
      ),
      await accept({
        ...textMail('At rest 2'),
        message: undefined,
        template: 'verify-email',
        context: { action_url: `https://shop.example/${SECRET}` },
      }),
    ];
    for (const id of ids) await stack.service.finished(id);
    expect(stack.smtp.bySubject('At rest 1')[0].raw.toString()).toContain(SECRET);
    expect(await redisHolding(stack.redis.url, SECRET, base64(`${SECRET} attachment`))).toEqual([]);
    expect(await status(ids[0])).toMatchObject({ status: 'sent' });
    // What Bull Board shows is still there.
    expect(((await stack.service.queue.getJob(ids[0])) as Job).data).toMatchObject({
      subject: 'At rest 1',
      attachments: [{ filename: 'a.txt' }],
    });
  });

  it('keeps a failed job’s body for a retry, and at most FAILED_JOBS_KEPT failed jobs', async () => {
    stack.smtp.onRcpt = (address) =>
      address.startsWith('bounce@') ? smtpError(550, '550 5.7.1 Refused by policy') : undefined;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const body = textMail(`Failed ${i}`, { email_to: 'bounce@example.com' });
      ids.push(await accept({ ...body, message: { text: `${SECRET} kept ${i}` } }));
      await expect(stack.service.finished(ids[i])).rejects.toThrow(/550/);
    }
    const failed = await stack.service.queue.getFailed();
    expect(failed.map((job) => job.id).sort()).toEqual(ids.slice(2).sort());
    expect((failed[0].data as { text: string }).text).toContain(SECRET);
  });
});

/** Every Redis key whose value holds one of `needles`, whatever the key's type. */
async function redisHolding(url: string, ...needles: string[]): Promise<string[]> {
  const client = new Redis(url);
  try {
    const found: string[] = [];
    for (const key of await client.keys('*')) {
      const type = await client.type(key);
      const values =
        type === 'string'
          ? [await client.get(key)]
          : type === 'hash'
            ? Object.values(await client.hgetall(key))
            : type === 'list'
              ? await client.lrange(key, 0, -1)
              : type === 'zset'
                ? await client.zrange(key, 0, -1)
                : type === 'set'
                  ? await client.smembers(key)
                  : [];
      if (values.some((value) => needles.some((needle) => value?.includes(needle))))
        found.push(key);
    }
    return found;
  } finally {
    client.disconnect();
  }
}
