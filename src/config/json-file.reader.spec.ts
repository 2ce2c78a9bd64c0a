import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config.error';
import { readJsonArray } from './json-file.reader';

const dir = mkdtempSync(join(tmpdir(), 'json-file-'));
function fileWith(text: string): string {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, text);
  return file;
}
function refused(file: string): string {
  try {
    readJsonArray('KEYS_FILE', file, 'key');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('readJsonArray', () => {
  it('reads the entries of a JSON array', () => {
    expect(readJsonArray('KEYS_FILE', fileWith('[{"a":1},"b"]'), 'key')).toEqual([{ a: 1 }, 'b']);
  });

  it.each([
    ['a missing file', join(dir, 'none.json'), /^KEYS_FILE: cannot read .*none\.json \(ENOENT\)$/],
    ['a folder', dir, /^KEYS_FILE: cannot read .* \(EISDIR\)$/],
    ['text that is not JSON', fileWith('[{'), /^KEYS_FILE: .* is not valid JSON$/],
    ['an object', fileWith('{"a":1}'), /^KEYS_FILE must hold a JSON array of one key or more$/],
    ['an empty array', fileWith('[]'), /^KEYS_FILE must hold a JSON array of one key or more$/],
  ])('refuses %s, naming the variable', (_case, file, message) => {
    expect(refused(file)).toMatch(message);
  });

  it('never quotes the text around a syntax error, which can be a key', () => {
    const message = refused(fileWith('[{"name": "a", "key": s3cret-key-0123456789}]'));
    expect(message).not.toContain('s3cret');
  });
});
