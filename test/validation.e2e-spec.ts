import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_KEY, SHOP_KEY, writeKeyFile } from './support/fixtures';
import { useStack } from './support/service';

const valid = {
  email_to: 'ann@example.com',
  email_from: 'no-reply@shop.example',
  subject: 'Hello',
  message: { text: 'hi' },
};

/** [what is wrong, the field the 400 must name, body] */
const BAD_BODIES: [string, string, object][] = [
  ['missing email_to', 'email_to', { ...valid, email_to: undefined }],
  ['email_to not an address', 'email_to', { ...valid, email_to: 'not-an-address' }],
  ['email_to a number', 'email_to', { ...valid, email_to: 42 }],
  ['email_to an empty array', 'email_to', { ...valid, email_to: [] }],
  [
    'two addresses in one string',
    'email_to',
    { ...valid, email_to: 'a@example.com, b@example.com' },
  ],
  [
    '51 recipients across to, cc and bcc',
    'email_to',
    {
      ...valid,
      email_to: Array.from({ length: 30 }, (_, i) => `u${i}@example.com`),
      cc: Array.from({ length: 21 }, (_, i) => `c${i}@example.com`),
    },
  ],
  ['bad email_from', 'email_from', { ...valid, email_from: 'Shop <shop@>' }],
  ['missing subject', 'subject', { ...valid, subject: undefined }],
  ['empty subject', 'subject', { ...valid, subject: '' }],
  ['subject of 999 characters', 'subject', { ...valid, subject: 'x'.repeat(999) }],
  ['CRLF in subject', 'subject', { ...valid, subject: 'Hi\r\nBcc: victim@evil.example' }],
  ['no body and no template', 'message', { ...valid, message: undefined }],
  ['message.text not a string', 'message.text', { ...valid, message: { text: 5 } }],
  [
    'message both and template',
    'message',
    { ...valid, template: 'verify-email', context: { action_url: 'https://x.example' } },
  ],
  [
    'unknown field in message',
    'message.markdown',
    { ...valid, message: { text: 'x', markdown: '*x*' } },
  ],
  ['unknown top-level field', 'priority', { ...valid, priority: 'high' }],
  ['bad cc entry', 'cc', { ...valid, cc: ['ok@example.com', 'nope'] }],
  ['cc not an array', 'cc', { ...valid, cc: 'carol@example.com' }],
  ['bad bcc entry', 'bcc', { ...valid, bcc: ['"evil@x.example"@example.com'] }],
  ['bad reply_to', 'reply_to', { ...valid, reply_to: 'help at shop' }],
  ['non X- header', 'headers', { ...valid, headers: { Bcc: 'victim@example.com' } }],
  [
    'CRLF in a header value',
    'headers',
    { ...valid, headers: { 'X-Tag': 'a\r\nBcc: victim@example.com' } },
  ],
  ['header value not a string', 'headers', { ...valid, headers: { 'X-Tag': 1 } }],
  [
    'attachment without content',
    'attachments.0.content',
    { ...valid, attachments: [{ filename: 'a.txt' }] },
  ],
  [
    'attachment content not base64',
    'attachments.0.content',
    { ...valid, attachments: [{ filename: 'a.txt', content: 'not base64!' }] },
  ],
  [
    'attachment filename with a path',
    'attachments.0.filename',
    { ...valid, attachments: [{ filename: '../../etc/passwd', content: 'eA==' }] },
  ],
  [
    'attachment filename with CRLF',
    'attachments.0.filename',
    { ...valid, attachments: [{ filename: 'a\r\n.txt', content: 'eA==' }] },
  ],
  [
    'attachment with a path field',
    'attachments.0.path',
    { ...valid, attachments: [{ filename: 'a.txt', content: 'eA==', path: '/etc/passwd' }] },
  ],
  [
    'bad attachment content_type',
    'attachments.0.content_type',
    { ...valid, attachments: [{ filename: 'a.txt', content: 'eA==', content_type: 'text' }] },
  ],
  [
    'template name with a path',
    'template',
    { ...valid, message: undefined, template: '../package' },
  ],
  ['unknown template', 'template', { ...valid, message: undefined, template: 'nope', context: {} }],
  [
    'template missing required context',
    'context.action_url',
    { ...valid, message: undefined, template: 'verify-email', context: { name: 'Ann' } },
  ],
  [
    'context not an object',
    'context',
    { ...valid, message: undefined, template: 'verify-email', context: 'x' },
  ],
  ['tags not strings', 'tags', { ...valid, tags: [1] }],
  ['metadata with a nested object', 'metadata', { ...valid, metadata: { a: { b: 'c' } } }],
];

describe('bad requests get a clear 4xx and queue nothing', () => {
  const stack = useStack(
    () => ({
      OUTBOX_DIR: mkdtempSync(join(tmpdir(), 'outbox-')),
      API_KEYS: `app:${APP_KEY}`,
      API_KEYS_FILE: writeKeyFile(),
      MAX_BODY: '64kb',
      ROLE: 'api',
    }),
    { smtp: false },
  );
  const post = (body: unknown, key = APP_KEY) =>
    stack.service.http
      .post('/send-email/')
      .set('X-API-Key', key)
      .send(body as object);

  it.each(BAD_BODIES)('400 for %s, naming %s', async (_what, field, body) => {
    const response = await post(body).expect(400);
    expect(response.body).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      code: 'validation_failed',
    });
    const errors = response.body.errors as { field: string }[];
    expect(errors.map((e) => e.field)).toContain(field);
    expect(response.body.message).toContain(field);
  });

  it('400 for email_from when MAIL_FROM is not set', async () => {
    const response = await post({ ...valid, email_from: undefined }).expect(400);
    expect(response.body.errors).toEqual([
      { field: 'email_from', message: expect.stringContaining('MAIL_FROM') },
    ]);
  });

  it.each([
    ['no key', {}],
    ['a wrong key', { 'X-API-Key': 'wrong-key-0123456789' }],
    ['an empty key', { 'X-API-Key': '' }],
    ['a short key', { 'X-API-Key': 'x' }],
    ['a 10,000-character key', { 'X-API-Key': 'k'.repeat(10_000) }],
    ['a wrong bearer token', { Authorization: 'Bearer wrong-key-0123456789' }],
    ['the key as Basic auth', { Authorization: `Basic ${APP_KEY}` }],
  ])('401 with %s', async (_what, headers) => {
    const response = await stack.service.http
      .post('/send-email/')
      .set(headers)
      .send(valid)
      .expect(401);
    expect(response.body).toMatchObject({
      statusCode: 401,
      error: 'Unauthorized',
      code: 'unauthorized',
    });
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('401 on GET /send-email/:id without a key', async () => {
    const response = await stack.service.http
      .get('/send-email/00000000-0000-4000-8000-000000000000')
      .expect(401);
    expect(response.body.code).toBe('unauthorized');
  });

  it('403 when the key may not send from that address', async () => {
    const response = await post({ ...valid, email_from: 'ceo@bank.example' }, SHOP_KEY).expect(403);
    expect(response.body).toMatchObject({ statusCode: 403, code: 'sender_not_allowed' });
    expect(response.body.message).toContain('ceo@bank.example');
  });

  it('413 for a body over MAX_BODY', async () => {
    const response = await post({ ...valid, message: { text: 'x'.repeat(70 * 1024) } }).expect(413);
    expect(response.body).toMatchObject({ statusCode: 413, code: 'payload_too_large' });
  });

  it.each([
    ['text/plain', 'hello'],
    ['application/x-www-form-urlencoded', 'email_to=ann%40example.com'],
  ])('415 for a %s body', async (type, body) => {
    const response = await stack.service.http
      .post('/send-email/')
      .set('X-API-Key', APP_KEY)
      .set('Content-Type', type)
      .send(body)
      .expect(415);
    expect(response.body).toMatchObject({ statusCode: 415, code: 'unsupported_media_type' });
  });

  it.each([
    ['truncated JSON', '{"email_to": "ann@example.com"'],
    ['a JSON string', '"just a string"'],
    ['JSON nested 1000 deep', '['.repeat(1000) + ']'.repeat(1000)],
    ['a __proto__ key', '{"email_to":"ann@example.com","context":{"__proto__":{"admin":true}}}'],
    ['a constructor key', '{"constructor":{"prototype":{"admin":true}}}'],
  ])('400 for %s', async (_what, raw) => {
    const response = await stack.service.http
      .post('/send-email/')
      .set('X-API-Key', APP_KEY)
      .set('Content-Type', 'application/json')
      .send(raw)
      .expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'validation_failed' });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('404 JSON for unknown routes', async () => {
    const response = await stack.service.http.get('/nope').set('X-API-Key', APP_KEY).expect(404);
    expect(response.body).toMatchObject({ statusCode: 404, code: 'not_found' });
  });

  it('accepts the same request once it is valid (the table is not failing for another reason)', async () => {
    await post(valid).expect(202);
    await stack.service.queue.empty();
    await stack.service.queue.clean(0, 'wait');
  });

  // Last, so that it sees what every request above left behind.
  it('queued nothing but the one valid request, which the test removed', async () => {
    const counts = await stack.service.queue.getJobCounts();
    expect(counts).toMatchObject({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
  });
});
