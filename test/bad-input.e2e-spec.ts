import fc from 'fast-check';
import { domainToASCII } from 'node:url';
import { parseAddress } from '../src/email/address.parser';
import { APP_KEY, useStack } from './support/app';

const base = {
  email_to: 'ann@example.com',
  email_from: 'no-reply@shop.example',
  subject: 'Hi',
  message: { text: 'hi' },
};
const templated = {
  ...base,
  message: undefined,
  template: 'verify-email',
  context: { action_url: 'https://shop.example/v' },
};

/** Address tricks: each must be refused, never rewritten into some other mailbox. */
const TRICKY_ADDRESSES = [
  'ann@example.com\r\nBcc: victim@evil.example',
  'ann@example.com\nRCPT TO:<victim@evil.example>',
  '"victim@evil.example"@example.com',
  '"victim@evil.example" <ann@example.com',
  'ann@example.com (victim@evil.example)',
  'ann(victim@evil.example)@example.com',
  'ann@example.com, victim@evil.example',
  'ann@example.com;victim@evil.example',
  'friends: ann@example.com, victim@evil.example;',
  '<@evil.example:ann@example.com>',
  'ann%victim@evil.example',
  'evil.example!ann@example.com',
  'ann@[127.0.0.1]',
  'ann@exam\u00adple.com',
  'ann@example.com\u0000victim@evil.example',
  `${':'.repeat(5000)}ann@example.com`,
  `${'a'.repeat(300)}@example.com`,
  '=?utf-8?Q?victim=40evil.example?= <ann@example.com>',
];

const OPTIONAL = [
  'template',
  'context',
  'cc',
  'bcc',
  'reply_to',
  'headers',
  'attachments',
  'tags',
  'metadata',
];
const VALID_ANYWAY = [
  'subject = "x"',
  'cc = []',
  'bcc = []',
  'attachments = []',
  'tags = []',
  'headers = {}',
  'metadata = {}',
  'context = {}',
];

/** Every field with every wrong JSON type: 400, except an optional field left empty or null. */
const WRONG_TYPES = ['email_to', 'email_from', 'subject', 'message', ...OPTIONAL].flatMap((field) =>
  [42, true, null, [], {}, [[]], 'x'].map((value): [string, unknown, number] => {
    const what = `${field} = ${JSON.stringify(value)}`;
    const fine = VALID_ANYWAY.includes(what) || (value === null && OPTIONAL.includes(field));
    return [what, { ...base, [field]: value }, fine ? 202 : 400];
  }),
);

/** [what, body, status]; 202 cases are checked for what arrives. */
const CASES: [string, unknown, number][] = [
  ...TRICKY_ADDRESSES.map((address): [string, unknown, number] => [
    `email_to ${JSON.stringify(address).slice(0, 60)}`,
    { ...base, email_to: address },
    400,
  ]),
  ...TRICKY_ADDRESSES.map((address): [string, unknown, number] => [
    `cc ${JSON.stringify(address).slice(0, 60)}`,
    { ...base, cc: [address] },
    400,
  ]),
  [
    'CRLF in email_from',
    { ...base, email_from: 'no-reply@shop.example\r\nBcc: victim@evil.example' },
    400,
  ],
  ['CRLF in reply_to', { ...base, reply_to: 'help@shop.example\r\nBcc: victim@evil.example' }, 400],
  ['CRLF in subject', { ...base, subject: 'Hi\r\nBcc: victim@evil.example' }, 400],
  ['LF alone in subject', { ...base, subject: 'Hi\nBcc: victim@evil.example' }, 400],
  ['CRLF in a header name', { ...base, headers: { 'X-A\r\nBcc': 'victim@evil.example' } }, 400],
  ['CRLF in a header value', { ...base, headers: { 'X-A': 'v\r\nBcc: victim@evil.example' } }, 400],
  ['a Bcc header', { ...base, headers: { Bcc: 'victim@evil.example' } }, 400],
  ['a To header', { ...base, headers: { To: 'victim@evil.example' } }, 400],
  [
    'CRLF in an attachment filename',
    { ...base, attachments: [{ filename: 'a.txt\r\nBcc: v@evil.example', content: 'eA==' }] },
    400,
  ],
  [
    'an attachment path',
    { ...base, attachments: [{ filename: 'a', content: 'eA==', path: '/etc/passwd' }] },
    400,
  ],
  [
    'an attachment href',
    { ...base, attachments: [{ filename: 'a', content: 'eA==', href: 'http://127.0.0.1/' }] },
    400,
  ],
  ['template ../package', { ...templated, template: '../package' }, 400],
  ['template with an absolute path', { ...templated, template: '/etc/passwd' }, 400],
  ['template layouts/main', { ...templated, template: 'layouts/main' }, 400],
  ['template with an encoded slash', { ...templated, template: '..%2f..%2fpackage' }, 400],
  ['template with a backslash', { ...templated, template: '..\\package' }, 400],
  ['template partials/button', { ...templated, template: 'partials/button' }, 400],
  ['template verify-email.text', { ...templated, template: 'verify-email.text' }, 400],
  [
    'context __proto__',
    {
      ...templated,
      context: JSON.parse('{"action_url":"https://x.example","__proto__":{"polluted":1}}'),
    },
    400,
  ],
  [
    'context constructor.prototype',
    {
      ...templated,
      context: { action_url: 'https://x.example', constructor: { prototype: { polluted: 1 } } },
    },
    400,
  ],
  [
    'handlebars in context',
    {
      ...templated,
      subject: 'HBS',
      context: {
        action_url: 'https://x.example',
        name: '{{#with this}}{{lookup this "constructor"}}{{/with}} {{> button}}',
      },
    },
    202,
  ],
  [
    '101 recipients',
    { ...base, email_to: Array.from({ length: 101 }, (_, i) => `u${i}@example.com`) },
    400,
  ],
  ['a 999-character subject', { ...base, subject: 'x'.repeat(999) }, 400],
  ['a 998-character subject', { ...base, subject: 'y'.repeat(998) }, 202],
  [
    'JSON 10,000 levels deep in context',
    '{"context":' + '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_001),
    400,
  ],
  ['an array body', [base], 400],
  ['null body', 'null', 400],
  ...WRONG_TYPES,
];

describe('no input hurts: a 4xx or a correct send, never a 500, a hang or an unnamed recipient', () => {
  /** Every accepted request by id, to check what reached the SMTP server. */
  const accepted = new Map<string, unknown>();

  const stack = useStack(() => ({
    QUEUE_PREFIX: 'bad-input-e2e',
    API_KEYS: `app:${APP_KEY}`,
    WORKER_CONCURRENCY: '8',
    // A mail that cannot be sent surfaces in seconds, with its request, instead of after
    // minutes of retries.
    SEND_ATTEMPTS: '2',
    SEND_BACKOFF_MS: '50',
    MAX_BODY: '1mb',
  }));

  async function send(
    body: unknown,
  ): Promise<{ status: number; body: { id?: string; code?: string } }> {
    const request = stack.t.http
      .post('/send-email/')
      .set('X-API-Key', APP_KEY)
      .set('Content-Type', 'application/json');
    const response = await request
      .send(typeof body === 'string' ? body : JSON.stringify(body))
      .timeout(5000);
    if (response.status === 202) accepted.set(response.body.id, body);
    return response;
  }

  it.each(CASES)('%s → %d', async (_what, body, status) => {
    const response = await send(body);
    expect(response.status).toBe(status);
    if (status !== 202) expect(response.body.code).toBe('validation_failed');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('renders handlebars in context as text, never as template code', async () => {
    await stack.smtp.waitForUnique('HBS', 1);
    const [mail] = stack.smtp.bySubject('HBS');
    expect(mail.parsed.html).toContain(
      '{{#with this}}{{lookup this "constructor"}}{{/with}} {{&gt; button}}',
    );
    expect(mail.parsed.html).not.toContain('function');
  });

  it('answers thousands of generated bodies with 202 or a 4xx, and sends only to addresses written in them', async () => {
    const address = fc.oneof(
      fc.constantFrom(
        'ann@example.com',
        'Bob Example <bob@example.com>',
        '"Doe, Jane" <jane@example.org>',
        'Zoë <zoe@bücher.example>',
      ),
      fc.constantFrom(...TRICKY_ADDRESSES),
      fc.emailAddress(),
      fc.emailAddress().map((a) => `${a}\r\nBcc: victim@evil.example`),
      fc.tuple(fc.string(), fc.emailAddress()).map(([name, a]) => `${name} <${a}>`),
      fc.string({ maxLength: 40 }),
    );
    const field = {
      email_to: fc.oneof(address, fc.array(address, { maxLength: 4 }), fc.anything()),
      email_from: fc.oneof(fc.constant('no-reply@shop.example'), address, fc.anything()),
      subject: fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.anything(),
      ),
      message: fc.oneof(
        fc.record({ text: fc.string(), html: fc.string() }, { requiredKeys: [] }),
        fc.anything(),
      ),
      template: fc.oneof(
        fc.constantFrom('verify-email', 'reset-password', '../package', 'layouts/main'),
        fc.string({ maxLength: 20 }),
      ),
      context: fc.oneof(
        fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 })),
        fc.record({ action_url: fc.webUrl(), name: fc.string() }),
        fc.anything(),
      ),
      cc: fc.oneof(fc.array(address, { maxLength: 3 }), fc.anything()),
      bcc: fc.oneof(fc.array(address, { maxLength: 3 }), fc.anything()),
      reply_to: fc.oneof(address, fc.anything()),
      headers: fc.oneof(
        fc.dictionary(
          fc.oneof(fc.constantFrom('X-Tag', 'Bcc', 'X-A\r\nB'), fc.string({ maxLength: 10 })),
          fc.string({ maxLength: 30 }),
        ),
        fc.anything(),
      ),
      attachments: fc.oneof(
        fc.array(
          fc.record(
            {
              filename: fc.string({ maxLength: 20 }),
              content: fc.oneof(fc.base64String({ maxLength: 40 }), fc.string()),
              content_type: fc.string({ maxLength: 20 }),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 2 },
        ),
        fc.anything(),
      ),
      tags: fc.oneof(fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }), fc.anything()),
      metadata: fc.oneof(
        fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })),
        fc.anything(),
      ),
      unknown_field: fc.anything(),
    };
    type Field = keyof typeof field;
    const names = Object.keys(field) as Field[];
    // Mostly a valid request with a few fields replaced, so that many bodies get far enough
    // to be sent; some bodies are wholly arbitrary JSON.
    const body = fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .tuple(
            fc.subarray(names, { minLength: 1, maxLength: 3 }),
            fc.record(field, { requiredKeys: [] }),
          )
          .map(([picked, values]) => {
            const result: Record<string, unknown> = { ...base };
            for (const name of picked) if (name in values) result[name] = values[name];
            return result;
          }),
      },
      { weight: 1, arbitrary: fc.record(field, { requiredKeys: [] }) },
      { weight: 1, arbitrary: fc.jsonValue() },
    );
    let seen = 0;
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
    process.stdout.write(`fuzz seed ${seed}\n`);
    await fc.assert(
      fc.asyncProperty(body, async (generated) => {
        const { status } = await send(generated);
        seen++;
        return status === 202 || (status >= 400 && status < 500);
      }),
      { numRuns: 2000, seed },
    );
    expect(seen).toBeGreaterThanOrEqual(2000);

    // Every accepted mail must be sent: a job that fails shows its request here.
    const outcomes = await Promise.allSettled(
      [...accepted.keys()].map(
        async (id) => (await stack.t.queue.getJob(id))!.finished() as Promise<unknown>,
      ),
    );
    const failures = outcomes.flatMap((outcome, i) =>
      outcome.status === 'rejected'
        ? [`${String(outcome.reason)}: ${JSON.stringify([...accepted.values()][i])}`]
        : [],
    );
    expect(failures).toEqual([]);
    const mails = await stack.smtp.waitFor(accepted.size);
    expect(mails).toHaveLength(accepted.size);
    for (const mail of mails) {
      const id = /^<([^@]+)@/.exec(mail.parsed.messageId ?? '')?.[1];
      const request = accepted.get(id!) as Record<string, unknown>;
      expect(request).toBeDefined();
      const named = [request.email_to, request.cc, request.bcc]
        .flat()
        .filter((a) => typeof a === 'string')
        .map((a) => parseAddress(a)!.address);
      const allowed = new Set(
        named.flatMap((a) => [
          a,
          `${a.slice(0, a.lastIndexOf('@'))}@${domainToASCII(a.slice(a.lastIndexOf('@') + 1))}`,
        ]),
      );
      for (const recipient of mail.to) {
        expect(allowed).toContain(recipient);
        expect(JSON.stringify(request)).toContain(
          JSON.stringify(recipient.slice(0, recipient.indexOf('@'))).slice(1, -1),
        );
      }
    }
    process.stdout.write(
      `\nfuzzing: ${seen} bodies, ${accepted.size} accepted and delivered, 0 answered 5xx\n`,
    );
  }, 180_000);
});
