import { checkDepth, parseJson, rejectUnsafeKeys } from './json-body.guard';

describe('checkDepth', () => {
  const check = (json: string) => () => checkDepth(json);

  it('allows 32 levels and refuses 33', () => {
    expect(check('['.repeat(32) + ']'.repeat(32))).not.toThrow();
    expect(check('['.repeat(33) + ']'.repeat(33))).toThrow(/nested deeper than 32/);
  });

  it('ignores brackets inside strings, including escaped quotes', () => {
    expect(check(JSON.stringify({ text: '['.repeat(100) + '\\"[[[' }))).not.toThrow();
  });
});

describe('parseJson', () => {
  it.each([
    ['a __proto__ key', '{"a":{"__proto__":{"x":1}}}'],
    ['a constructor key', '{"constructor":{"prototype":{"x":1}}}'],
    ['a __proto__ key spelled with escapes', '{"\\u005f_proto__":{"x":1}}'],
  ])('refuses %s', (_what, raw) => {
    expect(() => parseJson(raw)).toThrow(/is not allowed/);
  });

  it('parses ordinary bodies, and refuses JSON that is not an object or array', () => {
    expect(parseJson(' {"a":[1,"constructor is a word"]}')).toEqual({
      a: [1, 'constructor is a word'],
    });
    expect(() => parseJson('"text"')).toThrow(/object or array/);
    expect(() => parseJson('{"a":')).toThrow();
  });
});

describe('rejectUnsafeKeys', () => {
  it.each(['__proto__', 'constructor', 'prototype'])('refuses %s anywhere', (key) => {
    expect((): unknown => JSON.parse(`{"a":{"b":[{"${key}":{"x":1}}]}}`, rejectUnsafeKeys)).toThrow(
      `the key "${key}" is not allowed`,
    );
  });

  it('passes ordinary JSON through unchanged', () => {
    const value = { a: [1, 'two', { three: null }], proto: true };
    expect(JSON.parse(JSON.stringify(value), rejectUnsafeKeys)).toEqual(value);
  });
});
