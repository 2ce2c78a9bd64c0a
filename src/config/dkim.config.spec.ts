import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config.error';
import { dkimKeyFor, loadDkimKeys } from './dkim.config';

const dir = mkdtempSync(join(tmpdir(), 'dkim-config-'));
mkdirSync(join(dir, 'keys'));
const pem = (type: 'rsa' | 'ed25519', bits = 2048): string => {
  const { privateKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: bits })
      : generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
};
const RSA = pem('rsa');
writeFileSync(join(dir, 'keys', 'shop.pem'), RSA);
writeFileSync(join(dir, 'keys', 'weak.pem'), pem('rsa', 1024));
writeFileSync(join(dir, 'keys', 'ed.pem'), pem('ed25519'));
writeFileSync(join(dir, 'keys', 'junk.pem'), 'not a key');

let files = 0;
const fileWith = (content: unknown): string => {
  const file = join(dir, `keys-${files++}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
};
const entry = (more: object = {}): object => ({
  domain: 'Shop.Example',
  selector: 'mail2026',
  private_key_file: 'keys/shop.pem',
  ...more,
});
const refused = (content: unknown): string => {
  try {
    loadDkimKeys(fileWith(content));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('loadDkimKeys', () => {
  it('loads nothing without DKIM_KEYS_FILE', () => {
    expect(loadDkimKeys(undefined)).toEqual([]);
  });

  it('loads a key relative to the file, with the TXT record of its public half', () => {
    const [key] = loadDkimKeys(fileWith([entry()]));
    const spki = createPublicKey(RSA).export({ type: 'spki', format: 'der' }).toString('base64');
    expect(key).toEqual({
      domain: 'shop.example',
      selector: 'mail2026',
      algorithm: 'rsa',
      privateKey: expect.stringContaining('-----BEGIN PRIVATE KEY-----'),
      dnsTxt: `v=DKIM1; k=rsa; p=${spki}`,
    });
  });

  it('loads an Ed25519 key, publishing its bare 32-byte public key (RFC 8463)', () => {
    const [key] = loadDkimKeys(fileWith([entry({ private_key_file: 'keys/ed.pem' })]));
    const jwk = createPublicKey(key.privateKey).export({ format: 'jwk' });
    expect(key.algorithm).toBe('ed25519');
    expect(key.dnsTxt).toBe(
      `v=DKIM1; k=ed25519; p=${Buffer.from(jwk.x!, 'base64url').toString('base64')}`,
    );
  });

  it.each([
    ['not JSON', '[{', 'is not valid JSON'],
    ['an empty list', [], 'DKIM_KEYS_FILE must hold a JSON array of one key or more'],
    ['a string entry', ['x'], 'entry 1 must be an object {domain, selector, private_key_file}'],
    ['an unknown field', [entry({ key: 'x' })], 'entry 1: unknown field "key"'],
    ['a bad domain', [entry({ domain: 'localhost' })], 'entry 1.domain must be a domain name'],
    ['a bad selector', [entry({ selector: 'a b' })], 'entry 1.selector must be DNS labels'],
    ['a missing key file', [entry({ private_key_file: 'keys/none.pem' })], 'cannot read a PEM'],
    ['a file that is no key', [entry({ private_key_file: 'keys/junk.pem' })], 'cannot read a PEM'],
    ['RSA under 2048 bits', [entry({ private_key_file: 'keys/weak.pem' })], 'RSA of 2048 bits'],
    ['two keys for a domain', [entry(), entry({ selector: 'b' })], 'entry 2: a second key'],
  ])('stops the start for %s, naming the entry', (_what, content, message) => {
    expect(refused(content)).toContain(message);
  });

  it('never puts the key itself in a message', () => {
    writeFileSync(join(dir, 'keys', 'weak-inline.pem'), pem('rsa', 1024));
    expect(refused([entry({ private_key_file: 'keys/weak-inline.pem' })])).not.toContain('PRIVATE');
  });
});

describe('dkimKeyFor', () => {
  const keys = loadDkimKeys(fileWith([entry(), entry({ domain: 'mail.news.example' })]));

  it("picks the From domain's key, else the nearest listed parent's", () => {
    expect(dkimKeyFor(keys, 'no-reply@shop.example')?.domain).toBe('shop.example');
    expect(dkimKeyFor(keys, 'a@EU.Mail.Shop.example')?.domain).toBe('shop.example');
    expect(dkimKeyFor(keys, 'a@mail.news.example')?.domain).toBe('mail.news.example');
  });

  it('picks none for a domain without a key, nor for a parent that is not listed', () => {
    expect(dkimKeyFor(keys, 'a@news.example')).toBeUndefined();
    expect(dkimKeyFor(keys, 'a@shop.example.org')).toBeUndefined();
    expect(dkimKeyFor(keys, 'a@example')).toBeUndefined();
  });
});
