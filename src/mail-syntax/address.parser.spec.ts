import { matchesPattern, parseAddress } from './address.parser';

describe('parseAddress', () => {
  it.each([
    ['ann@example.com', { name: '', address: 'ann@example.com' }],
    ['  ann@example.com  ', { name: '', address: 'ann@example.com' }],
    ['Ann <ann@example.com>', { name: 'Ann', address: 'ann@example.com' }],
    ['"Doe, Ann" <ann@example.com>', { name: 'Doe, Ann', address: 'ann@example.com' }],
    [
      'Shop Inc. <no-reply@mail.shop.example>',
      { name: 'Shop Inc.', address: 'no-reply@mail.shop.example' },
    ],
    ['<ann@example.com>', { name: '', address: 'ann@example.com' }],
    ['first.last+tag@sub.example.co.uk', { name: '', address: 'first.last+tag@sub.example.co.uk' }],
    ['Zoë <zoe@bücher.example>', { name: 'Zoë', address: 'zoe@bücher.example' }],
    ['x@xn--bcher-kva.example', { name: '', address: 'x@xn--bcher-kva.example' }],
  ])('accepts %s', (input, expected) => {
    expect(parseAddress(input)).toEqual(expected);
  });

  it.each([
    ['two addresses', 'a@example.com, b@example.com'],
    ['a list with a name', 'Ann <a@example.com>, b@example.com'],
    ['a group', 'friends: a@example.com;'],
    ['a quoted local part hiding another domain', '"evil@attacker.example"@example.com'],
    ['a comment', 'ann@example.com (Ann)'],
    ['a comment inside', 'ann(comment)@example.com'],
    ['a source route', '<@relay.example:ann@example.com>'],
    ['percent routing', 'ann%victim.example@relay.example'],
    ['bang path', 'host!ann@example.com'],
    ['an IP literal', 'ann@[127.0.0.1]'],
    ['a bare host', 'ann@localhost'],
    ['a numeric TLD', 'ann@10.0.0.1'],
    ['CRLF', 'ann@example.com\r\nBcc: victim@example.com'],
    ['LF in the name', 'Ann\nBcc: v@example.com <ann@example.com>'],
    ['a NUL', 'ann@example.com\u0000'],
    ['a soft hyphen in the domain', 'ann@exam\u00adple.com'],
    ['a soft hyphen in the local part', 'a\u00adnn@example.com'],
    ['a bidi override in the name', '\u202eAnn <ann@example.com>'],
    ['a zero-width joiner', 'ann@exa\u200dmple.com'],
    ['a domain IDNA would rewrite', 'ann@EXAMPLE.ｃｏｍ'],
    ['thousands of colons', `${':'.repeat(5000)}ann@example.com`],
    ['nested angle brackets', 'A <b <ann@example.com>>'],
    ['a name with a quote inside', 'A"nn <ann@example.com>'],
    ['an encoded-word name', '=?utf-8?Q?victim=40evil.example?= <ann@example.com>'],
    ['a quoted name that looks like an address', '"support@bank.example" <evil@evil.example>'],
    ['a name that looks like an address', 'support@bank.example <evil@evil.example>'],
    ['an @ inside a name', 'Support @ Bank <evil@evil.example>'],
    ['two @', 'ann@evil.example@example.com'],
    ['no local part', '@example.com'],
    ['a leading dot', '.ann@example.com'],
    ['double dots', 'a..nn@example.com'],
    ['a label starting with a hyphen', 'ann@-example.com'],
    ['a 65-character local part', `${'a'.repeat(65)}@example.com`],
    ['an empty string', ''],
    ['a number', 42],
    ['an object', { address: 'ann@example.com' }],
  ])('rejects %s', (_what, input) => {
    expect(parseAddress(input)).toBeNull();
  });

  it('finishes quickly on pathological input', () => {
    const started = Date.now();
    for (const input of [
      'a'.repeat(500) + '<',
      '<'.repeat(500),
      `${'a@'.repeat(250)}`,
      `"${'\\'.repeat(500)}`,
    ]) {
      expect(parseAddress(input)).toBeNull();
    }
    expect(Date.now() - started).toBeLessThan(100);
  });
});

describe('matchesPattern', () => {
  it.each([
    ['no-reply@shop.example', '*@shop.example', true],
    ['No-Reply@Shop.Example', '*@shop.example', true],
    ['no-reply@evil-shop.example', '*@shop.example', false],
    ['no-reply@mail.shop.example', '*@shop.example', false],
    ['no-reply@shop.example', 'no-reply@shop.example', true],
    ['other@shop.example', 'no-reply@shop.example', false],
  ])('%s against %s → %s', (address, pattern, expected) => {
    expect(matchesPattern(address, pattern)).toBe(expected);
  });
});
