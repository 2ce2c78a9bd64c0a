import { randomUUID } from 'node:crypto';
import { parseVerp, verpAddress } from './verp';

const SECRET = Buffer.from('fixture-verp-secret-0123456789');
const DOMAIN = 'bounce.example.test';
const ID = '2f1c9a4e-7b3d-4e8a-9c51-0d6e2b7f8a13';
// The address the fixtures under test/fixtures/bounces carry for ID, made with SECRET.
const FIXTURE = 'bounce+2f1c9a4e-7b3d-4e8a-9c51-0d6e2b7f8a13.cba59395bdc7a7aa@bounce.example.test';

describe('verpAddress', () => {
  it('names the email and a tag at the bounce domain', () => {
    expect(verpAddress(ID, DOMAIN, SECRET)).toBe(FIXTURE);
  });

  it('keeps the local part within the 64 characters SMTP allows', () => {
    const address = verpAddress(randomUUID(), DOMAIN, SECRET);
    expect(address.slice(0, address.indexOf('@')).length).toBeLessThanOrEqual(64);
  });

  it('tags each id differently, and differently under another secret', () => {
    const tag = (address: string): string => address.split('@')[0].split('.')[1];
    const other = verpAddress('5a8e0c17-3f92-4b6d-8e1a-7c4d9b2e6f05', DOMAIN, SECRET);
    const otherSecret = verpAddress(ID, DOMAIN, Buffer.from('another-secret-of-enough-bytes'));
    expect(tag(other)).not.toBe(tag(FIXTURE));
    expect(tag(otherSecret)).not.toBe(tag(FIXTURE));
  });

  it.each([
    ['an id that is not a UUID', 'job-42', SECRET],
    ['an uppercase UUID', ID.toUpperCase(), SECRET],
    ['a short secret', ID, Buffer.from('short')],
  ])('refuses %s', (_what, id, secret) => {
    expect(() => verpAddress(id, DOMAIN, secret)).toThrow();
  });
});

describe('parseVerp', () => {
  it('finds the id of an address it made', () => {
    const id = randomUUID();
    expect(parseVerp(verpAddress(id, DOMAIN, SECRET), DOMAIN, SECRET)).toBe(id);
  });

  it.each([
    ['as written', FIXTURE],
    ['lowercased by an MTA', FIXTURE.toLowerCase()],
    ['uppercased by an MTA', FIXTURE.toUpperCase()],
    ['in angle brackets', `<${FIXTURE}>`],
    ['with spaces around', `  ${FIXTURE} `],
    ['with a fully qualified domain', `${FIXTURE}.`],
  ])('accepts the address %s', (_what, address) => {
    expect(parseVerp(address, DOMAIN, SECRET)).toBe(ID);
  });

  it('compares the configured domain case-insensitively', () => {
    expect(parseVerp(FIXTURE, 'Bounce.Example.TEST', SECRET)).toBe(ID);
  });

  const forged = FIXTURE.replace('cba59395bdc7a7aa', 'cba59395bdc7a7ab');
  it.each([
    ['a forged tag', forged],
    ['a missing tag', `bounce+${ID}@${DOMAIN}`],
    ['a short tag', FIXTURE.replace('.cba59395bdc7a7aa', '.cba59395')],
    ['another id with this tag', FIXTURE.replace('2f1c9a4e', '2f1c9a4f')],
    ['another domain', FIXTURE.replace(DOMAIN, 'example.com')],
    ['a subdomain', FIXTURE.replace(DOMAIN, `mx.${DOMAIN}`)],
    ['another prefix', FIXTURE.replace('bounce+', 'bounces+')],
    ['extra text in the local part', FIXTURE.replace('bounce+', 'x.bounce+')],
    ['two addresses', `${FIXTURE}, ann@example.com`],
    ['a plain address', 'ann@example.com'],
    ['the null sender', '<>'],
    ['an empty string', ''],
    ['a very long string', `${'a'.repeat(5000)}${FIXTURE}`],
  ])('rejects %s', (_what, address) => {
    expect(parseVerp(address, DOMAIN, SECRET)).toBeUndefined();
  });

  it('rejects every address under another secret', () => {
    expect(
      parseVerp(FIXTURE, DOMAIN, Buffer.from('another-secret-of-enough-bytes')),
    ).toBeUndefined();
  });

  it('rejects input that is not a string', () => {
    expect(parseVerp(42 as unknown as string, DOMAIN, SECRET)).toBeUndefined();
  });
});
