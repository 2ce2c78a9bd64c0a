import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config.error';
import { loadApiKeys } from './api-key.parser';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';

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
      /API_KEYS_FILE: cannot read/,
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
