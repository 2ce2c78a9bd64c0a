import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config.error';
import { checkKeyRoutes, loadTransports } from './transports.config';

const dir = mkdtempSync(join(tmpdir(), 'transports-config-'));
let files = 0;
const fileWith = (content: unknown): string => {
  const file = join(dir, `transports-${files++}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
};
const PRIMARY = { name: 'primary', url: 'smtp://user:s3cret@smtp.one.example:587' };
const BACKUP = { name: 'backup', url: 'smtps://relay.two.example', pool: 4 };

const refused = (action: () => unknown): string => {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('loadTransports', () => {
  it('reads the file in order, with optional pool sizes', () => {
    expect(loadTransports(fileWith([PRIMARY, BACKUP]))).toEqual([
      { ...PRIMARY, pool: undefined },
      BACKUP,
    ]);
  });

  it('makes SMTP_URL alone one transport named default; neither: none', () => {
    expect(loadTransports(undefined, 'smtp://h:25')).toEqual([
      { name: 'default', url: 'smtp://h:25' },
    ]);
    expect(loadTransports()).toEqual([]);
  });

  it.each([
    ['not JSON', '{', 'is not valid JSON'],
    ['an empty array', [], 'TRANSPORTS_FILE must hold a JSON array'],
    ['a bad name', [{ ...PRIMARY, name: 'a b' }], 'entry 1.name must be'],
    ['the reserved name', [{ ...PRIMARY, name: 'outbox' }], 'reserved for test keys'],
    ['an http URL', [PRIMARY, { ...BACKUP, url: 'http://x' }], 'entry 2 ("backup").url'],
    ['a URL that does not parse', [{ ...PRIMARY, url: 'smtp://' }], 'entry 1 ("primary").url'],
    ['a bad pool', [{ ...BACKUP, pool: 0 }], 'entry 1 ("backup").pool must be'],
    ['an unknown field', [{ ...PRIMARY, host: 'x' }], 'unknown field "host"'],
    ['a name used twice', [PRIMARY, { ...BACKUP, name: 'primary' }], 'entry 2: the name'],
  ])('stops the start on %s, naming the entry', (_case, content, message) => {
    expect(refused(() => loadTransports(fileWith(content)))).toContain(message);
  });

  it('never shows a URL, which holds the password', () => {
    const message = refused(() =>
      loadTransports(fileWith([{ ...PRIMARY, url: 'ftp://u:s3cret@h' }])),
    );
    expect(message).not.toContain('s3cret');
  });

  it('stops the start on a password with a bad %-escape, without showing it', () => {
    const message = refused(() => loadTransports(undefined, 'smtp://user:s3cr%zzet@relay.example'));
    expect(message).toBe('SMTP_URL: the user or password has a bad %-escape');
  });

  it('refuses TRANSPORTS_FILE and SMTP_URL together', () => {
    expect(refused(() => loadTransports(fileWith([PRIMARY]), 'smtp://h'))).toContain('not both');
  });
});

describe('checkKeyRoutes', () => {
  const transports = loadTransports(fileWith([PRIMARY, BACKUP]));

  it('accepts keys naming configured transports, or none', () => {
    expect(() =>
      checkKeyRoutes([{ name: 'a', transports: ['backup'] }, { name: 'b' }], transports),
    ).not.toThrow();
  });

  it('stops the start on an unknown name, naming the key and the name', () => {
    expect(
      refused(() => checkKeyRoutes([{ name: 'shop', transports: ['nope'] }], transports)),
    ).toBe('API_KEYS_FILE: key "shop" lists the unknown transport "nope"');
  });

  it('stops the start on a name listed twice', () => {
    expect(
      refused(() =>
        checkKeyRoutes([{ name: 'shop', transports: ['primary', 'primary'] }], transports),
      ),
    ).toBe('API_KEYS_FILE: key "shop" lists "primary" twice');
  });
});
