import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config.error';
import { loadApiKeys } from './api-key.parser';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';
const HOOK_KEY = Buffer.from('a-24-byte-signing-secret');
const HOOK_SECRET = `whsec_${HOOK_KEY.toString('base64')}`;

function keyFile(entries: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'keys.json');
  writeFileSync(file, typeof entries === 'string' ? entries : JSON.stringify(entries));
  return file;
}

describe('loadApiKeys', () => {
  it('reads name:key pairs and keeps only digests', () => {
    const records = loadApiKeys(`a:${KEY_A}, b:${KEY_B}`);
    expect(records.map((r) => r.name)).toEqual(['a', 'b']);
    expect(JSON.stringify(records)).not.toContain(KEY_A);
    expect(records[0].digest.equals(createHash('sha256').update(KEY_A).digest())).toBe(true);
  });

  it('keeps a key that contains a colon whole', () => {
    const [record] = loadApiKeys('a:part1:part2-0123456789');
    expect(
      record.digest.equals(createHash('sha256').update('part1:part2-0123456789').digest()),
    ).toBe(true);
  });

  it('reads a key file with key_sha256, allowed_from, rate limits and test keys', () => {
    const digest = createHash('sha256').update(KEY_B).digest('hex');
    const file = keyFile([
      {
        name: 'shop',
        key_sha256: digest,
        allowed_from: ['*@shop.example'],
        rate_limit_per_minute: 60,
      },
      { name: 'ci', key: KEY_A, test: true },
    ]);
    expect(loadApiKeys(undefined, file)).toMatchObject([
      { name: 'shop', allowedFrom: ['*@shop.example'], rateLimitPerMinute: 60, test: false },
      { name: 'ci', test: true },
    ]);
  });

  it("reads an entry's webhook; a key without one has none", () => {
    const webhook = { url: 'https://hooks.shop.example/mail', secret: HOOK_SECRET };
    const file = keyFile([
      { name: 'shop', key: KEY_A, webhook: { ...webhook, events: ['email.bounced'] } },
      { name: 'blog', key: KEY_B },
    ]);
    const [shop, blog] = loadApiKeys(undefined, file);
    expect(shop.webhook).toEqual({
      url: webhook.url,
      secret: HOOK_KEY,
      events: new Set(['email.bounced']),
    });
    expect(blog.webhook).toBeUndefined();
  });

  it.each([
    [
      'a public http url',
      { url: 'http://hooks.shop.example', secret: HOOK_SECRET },
      /^API_KEYS_FILE: entry 2: webhook\.url must be https \(http only on loopback or private addresses\)$/,
    ],
    [
      'credentials in the url',
      { url: 'https://user:pw@hooks.example' },
      /^API_KEYS_FILE: entry 2: webhook\.url must not carry credentials/,
    ],
    [
      'a secret of 16 bytes',
      { url: 'https://hooks.example', secret: `whsec_${Buffer.alloc(16, 9).toString('base64')}` },
      /^API_KEYS_FILE: entry 2: webhook\.secret must decode to at least 24 bytes$/,
    ],
    [
      'a secret that is not base64',
      { url: 'https://hooks.example', secret: `${HOOK_SECRET}*` },
      /^API_KEYS_FILE: entry 2: webhook\.secret must be whsec_ followed by/,
    ],
    [
      'an unknown event type',
      { url: 'https://hooks.example', secret: HOOK_SECRET, events: ['email.opened'] },
      /^API_KEYS_FILE: entry 2: webhook\.events: "email\.opened" is not one of/,
    ],
    ['a string', 'https://hooks.example', /^API_KEYS_FILE: entry 2: webhook must be an object/],
  ])('refuses %s as webhook of entry 2, never echoing a secret', (_what, webhook, message) => {
    const file = keyFile([
      { name: 'a', key: KEY_A },
      { name: 'b', key: KEY_B, webhook },
    ]);
    let thrown: unknown;
    try {
      loadApiKeys(undefined, file);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain('pw@');
    const { secret } = webhook as { secret?: string };
    if (secret) expect((thrown as Error).message).not.toContain(secret.slice('whsec_'.length));
  });

  it.each([
    ['nothing configured', () => loadApiKeys(), /API_KEYS: set API_KEYS or API_KEYS_FILE/],
    ['an entry without a colon', () => loadApiKeys(KEY_A), /API_KEYS: entry 1: name must/],
    ['a short key', () => loadApiKeys('a:short'), /API_KEYS: entry 1: key must be longer/],
    ['a bad name', () => loadApiKeys(`a b:${KEY_A}`), /API_KEYS: entry 1: name must/],
    ['a name used twice', () => loadApiKeys(`a:${KEY_A},a:${KEY_B}`), /name "a" is used twice/],
    ['a key used twice', () => loadApiKeys(`a:${KEY_A},b:${KEY_A}`), /"b" repeats a key/],
    [
      'a file that is not JSON',
      () => loadApiKeys(undefined, keyFile('{nope')),
      /API_KEYS_FILE: .* is not valid JSON/,
    ],
    [
      'a file that is not an array',
      () => loadApiKeys(undefined, keyFile({ name: 'a' })),
      /must hold a JSON array/,
    ],
    [
      'both key and key_sha256',
      () =>
        loadApiKeys(undefined, keyFile([{ name: 'a', key: KEY_A, key_sha256: 'a'.repeat(64) }])),
      /exactly one of key or key_sha256/,
    ],
    [
      'neither key nor key_sha256',
      () => loadApiKeys(undefined, keyFile([{ name: 'a' }])),
      /entry 1: give exactly one/,
    ],
    [
      'a short key_sha256',
      () => loadApiKeys(undefined, keyFile([{ name: 'a', key_sha256: 'abc' }])),
      /key_sha256 must be 64 hex/,
    ],
    [
      'a bad allowed_from pattern',
      () =>
        loadApiKeys(
          undefined,
          keyFile([{ name: 'a', key: KEY_A, allowed_from: ['shop.example'] }]),
        ),
      /allowed_from pattern "shop.example"/,
    ],
    [
      'a bad rate limit',
      () => loadApiKeys(undefined, keyFile([{ name: 'a', key: KEY_A, rate_limit_per_minute: -1 }])),
      /rate_limit_per_minute/,
    ],
  ])('refuses %s', (_what, load, message) => {
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });
});
