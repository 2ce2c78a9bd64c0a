import fc from 'fast-check';
import { domainToASCII } from 'node:url';
import { parseAddress } from '../src/mail-syntax/address.parser';
import type { FieldError } from '../src/common/validation.errors';
import { APP_KEY } from './support/fixtures';
import { useStack } from './support/service';

/** [what, body, status, the field a 400 names]. */
type Case = [string, unknown, number, string?];

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

/** One character of each kind text fields refuse (Unicode Cc, Cf, Zl, Zp). */
const INVISIBLE: [string, string][] = [
  ['NUL (Cc)', '\u0000'],
  ['DEL (Cc)', '\u007f'],
  ['NEL (Cc)', '\u0085'],
  ['a right-to-left override (Cf)', '\u202e'],
  ['a zero-width space (Cf)', '\u200b'],
  ['a zero-width joiner (Cf)', '\u200d'],
  ['a byte order mark (Cf)', '\ufeff'],
  ['a soft hyphen (Cf)', '\u00ad'],
  ['a line separator (Zl)', '\u2028'],
  ['a paragraph separator (Zp)', '\u2029'],
];
/** More of them for fuzzing: bidi isolates and marks, tags, astral format characters. */
const MORE_INVISIBLE = [
  ...INVISIBLE.map(([, char]) => char),
  ...['\u0007', '\u001b', '\u009f', '\u061c', '\u180e', '\u200e', '\u202a', '\u2066'],
  ...['\u2069', '\ufff9', '\u{110bd}', '\u{1d173}', '\u{e0001}', '\u{e0041}'],
];

const ADDRESS_FIELDS: [string, string | string[]][] = [
  ['email_to', 'ann@example.com'],
  ['email_from', 'no-reply@shop.example'],
  ['cc', ['carol@example.com']],
  ['bcc', ['dave@example.com']],
  ['reply_to', 'help@shop.example'],
];
const withName = (address: string | string[], name: string): string | string[] =>
  Array.isArray(address) ? address.map((a) => `${name} <${a}>`) : `${name} <${address}>`;

/** Text fields: the field a 400 names, and a request with `text` in that field. */
const TEXT_FIELDS: [string, (text: string) => object][] = [
  ['subject', (text) => ({ ...base, subject: text })],
  ...ADDRESS_FIELDS.map(([field, address]): [string, (text: string) => object] => [
    field,
    (text) => ({ ...base, [field]: withName(address, text) }),
  ]),
  ['headers', (text) => ({ ...base, headers: { 'X-Campaign': text } })],
  [
    'attachments.0.filename',
    (text) => ({ ...base, attachments: [{ filename: text, content: 'eA==' }] }),
  ],
];

/** Each invisible character in each text field, beside the same text without it (sent). */
const INVISIBLE_CASES = TEXT_FIELDS.flatMap(([field, withText]): Case[] => [
  [`plain text in ${field}`, withText('Invoice fdp.exe'), 202],
  ...INVISIBLE.map(([name, char]): Case => [
    `${name} in ${field}`,
    withText(`Invoice${char}fdp.exe`),
    400,
    field,
  ]),
]);

/** Display names that read as an address, the classic look-alike. */
const LOOK_ALIKE_NAMES = ADDRESS_FIELDS.flatMap(([field, address]): Case[] =>
  ['"support@bank.example"', 'support@bank.example', 'Support @ Bank'].map((name) => [
    `${name} as the display name in ${field}`,
    { ...base, [field]: withName(address, name) },
    400,
    field,
  ]),
);

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

/** [what, body, status, the field a 400 names]; 202 cases are checked for what arrives. */
const CASES: Case[] = [
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
  ...INVISIBLE_CASES,
  ...LOOK_ALIKE_NAMES,
  ['an encoded-word subject', { ...base, subject: '=?utf-8?B?SW52b2ljZQ==?=' }, 400, 'subject'],
  [
    'an encoded-word inside the subject',
    { ...base, subject: 'Your =?utf-8?Q?Inv=E2=80=AEoice?= is ready' },
    400,
    'subject',
  ],
  ['an encoded-word with a space', { ...base, subject: '=?utf-8?Q?a b?=' }, 400, 'subject'],
  ['"=?" alone in subject', { ...base, subject: 'Is 2+2=? Four' }, 202],
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
    'email_to',
  ],
  [
    '10,000 cc addresses',
    { ...base, cc: Array.from({ length: 10_000 }, (_, i) => `u${i}@example.com`) },
    400,
    'cc',
  ],
  [
    '51 bcc addresses',
    { ...base, bcc: Array.from({ length: 51 }, () => 'b@example.com') },
    400,
    'bcc',
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
    API_KEYS: `app:${APP_KEY}`,
    WORKER_CONCURRENCY: '8',
    // A mail that cannot be sent surfaces in seconds, with its request, instead of after
    // minutes of retries.
    SEND_ATTEMPTS: '2',
    SEND_BACKOFF_MS: '50',
    MAX_BODY: '1mb',
    // Thousands of bodies a minute: each must reach validation, not stop at a 429.
    RATE_LIMIT_PER_MINUTE: '0',
  }));

  async function send(
    body: unknown,
  ): Promise<{ status: number; body: { id?: string; code?: string; errors?: FieldError[] } }> {
    const request = stack.service.http
      .post('/send-email/')
      .set('X-API-Key', APP_KEY)
      .set('Content-Type', 'application/json');
    const response = await request
      .send(typeof body === 'string' ? body : JSON.stringify(body))
      .timeout(5000);
    if (response.status === 202) accepted.set(response.body.id, body);
    return response;
  }

  // Rows all get four values: to a shorter row jest would pass its `done` callback as `field`.
  // The status comes second, for the title.
  const rows = CASES.map(
    ([what, body, status, field]) => [what, status, body, field ?? ''] as const,
  );

  it.each(rows)('%s → %d', async (_what, status, body, field) => {
    const response = await send(body);
    expect(response.status).toBe(status);
    if (status !== 202) expect(response.body.code).toBe('validation_failed');
    if (field) expect(response.body.errors?.map((error) => error.field)).toContain(field);
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
        async (id) => (await stack.service.queue.getJob(id))!.finished() as Promise<unknown>,
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

  it('refuses a control, format or separator character anywhere in any text field, naming it', async () => {
    for (const char of MORE_INVISIBLE) expect(char).toMatch(/^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]$/u);
    for (const category of ['Cc', 'Cf', 'Zl', 'Zp'])
      expect(MORE_INVISIBLE.some((c) => new RegExp(`\\p{${category}}`, 'u').test(c))).toBe(true);
    // Text that is fine in every field, so that the inserted character is the only fault.
    const text = fc.string({ unit: fc.constantFrom(...'Invoice 2024 .,!-_éüß日本'), minLength: 1 });
    const bad = fc
      .tuple(fc.constantFrom(...TEXT_FIELDS), text, fc.constantFrom(...MORE_INVISIBLE), fc.nat())
      .map(([[field, withText], plain, char, at]) => {
        const cut = at % (plain.length + 1);
        return { field, body: withText(plain.slice(0, cut) + char + plain.slice(cut)) };
      });
    const jobs = (): Promise<number> =>
      stack.service.queue.getJobCountByTypes([
        'waiting',
        'active',
        'delayed',
        'completed',
        'failed',
      ]);
    const [jobsBefore, acceptedBefore] = [await jobs(), accepted.size];
    let seen = 0;
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
    process.stdout.write(`invisible-character fuzz seed ${seed}\n`);
    await fc.assert(
      fc.asyncProperty(bad, async ({ field, body }) => {
        const response = await send(body);
        seen++;
        expect(response.status).toBe(400);
        expect(response.body.errors?.map((error) => error.field)).toEqual([field]);
      }),
      { numRuns: 1000, seed },
    );
    expect(seen).toBe(1000);
    expect(accepted.size).toBe(acceptedBefore);
    expect(await jobs()).toBe(jobsBefore);
  }, 60_000);
});
