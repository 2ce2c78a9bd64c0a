import {
  addressOf,
  addressesIn,
  fieldBlocks,
  headerFields,
  messageIdOf,
  oneLine,
  statusInReply,
  statusOf,
} from './report-fields.reader';

describe('fieldBlocks', () => {
  it('splits at blank lines and unfolds continuation lines', () => {
    const text =
      'Reporting-MTA: dns; mx.example.com\r\n\r\n' +
      'Final-Recipient: rfc822;\r\n ann@example.com\r\nACTION: failed\r\n \t\r\n' +
      'final-recipient: rfc822; bob@example.com\nDiagnostic-Code: smtp; 550 a\n\tb\n';
    expect(fieldBlocks(text)).toEqual([
      new Map([['reporting-mta', ['dns; mx.example.com']]]),
      new Map([
        ['final-recipient', ['rfc822; ann@example.com']],
        ['action', ['failed']],
      ]),
      new Map([
        ['final-recipient', ['rfc822; bob@example.com']],
        ['diagnostic-code', ['smtp; 550 a b']],
      ]),
    ]);
  });

  it('skips lines that are no field, and their continuations', () => {
    const text = 'junk without colon\n  more junk\nbad name: x\n: empty\nStatus: 5.1.1';
    expect(fieldBlocks(text)).toEqual([new Map([['status', ['5.1.1']]])]);
  });

  it('stops after `limit` blocks', () => {
    expect(fieldBlocks('A: 1\n\nB: 2\n\nC: 3', 2)).toHaveLength(2);
    expect(headerFields('\r\nMessage-ID: <a@b>\r\n\r\nFrom: body@example.com')).toEqual(
      new Map([['message-id', ['<a@b>']]]),
    );
  });
});

describe('report values', () => {
  it.each([
    ['rfc822; ann@example.com', 'ann@example.com'],
    ['rfc822;<Ann@Example.com>', 'Ann@Example.com'],
    ['Ann <ann+tag@example.com>', 'ann+tag@example.com'],
    ['utf-8; zoë@bücher.example', 'zoë@bücher.example'],
    ['rfc822; /var/mail/ann', undefined],
    ['x400; c=US;a= ;p=Org;o=Site;s=Ann', undefined],
    ['unknown; ann', undefined],
    ['rfc822; ann@localhost', undefined],
    ['rfc822; ann@example.com\u0000', undefined],
    ['"ann smith"@example.com', undefined],
    ['redacted', undefined],
    ['', undefined],
  ])('addressOf(%j) is %j', (value, expected) => {
    expect(addressOf(value)).toBe(expected);
  });

  it('takes the plain addresses of a list', () => {
    expect(addressesIn('"Doe, Ann" <ann@example.com>, bob@example.com, friends:;')).toEqual([
      'ann@example.com',
      'bob@example.com',
    ]);
  });

  it.each([
    ['<a1@shop.example.test>', '<a1@shop.example.test>'],
    ['  a1@shop.example.test ', '<a1@shop.example.test>'],
    ['<a1@shop.example.test> (comment)', '<a1@shop.example.test>'],
    ['<a b@x>', undefined],
    ['', undefined],
  ])('messageIdOf(%j) is %j', (value, expected) => {
    expect(messageIdOf(value)).toBe(expected);
  });

  it.each([
    ['5.1.1', '5.1.1'],
    [' 5.1.10 (unknown user)', '5.1.10'],
    ['4.4.7', '4.4.7'],
    ['5.1.1234', undefined],
    ['6.1.1', undefined],
    ['5.1', undefined],
  ])('statusOf(%j) is %j', (value, expected) => {
    expect(statusOf(value)).toBe(expected);
  });

  it.each([
    ['550-5.1.1 The account does not exist', '5.1.1'],
    ['host 10.4.2.5 said: 550 5.7.1 blocked', '5.7.1'],
    ['connect to 192.0.2.5: timed out', undefined],
  ])('statusInReply(%j) is %j', (value, expected) => {
    expect(statusInReply(value)).toBe(expected);
  });

  it('makes one line without control characters, never cutting a surrogate pair', () => {
    expect(oneLine(' a\r\n\tb\u0000c\u202e d ', 100)).toBe('a b c d');
    expect(oneLine('ab😀', 3)).toBe('ab');
  });
});
