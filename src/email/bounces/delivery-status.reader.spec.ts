import { readDeliveryStatus } from './delivery-status.reader';

const block = (fields: string[]): string => fields.join('\r\n');

describe('readDeliveryStatus', () => {
  it('reads the per-message fields', () => {
    const text = block([
      'Reporting-MTA: dns; mx.example.com',
      'X-Postfix-Sender: rfc822; bounce+x@bounce.example.test',
      'X-Original-Message-ID: a1@shop.example.test',
      '',
      'Final-Recipient: rfc822; ann@example.com',
      'Action: failed',
      'Status: 5.1.1',
    ]);
    expect(readDeliveryStatus(text, 50)).toEqual({
      reportingMta: 'mx.example.com',
      envelopeSender: 'bounce+x@bounce.example.test',
      originalMessageId: '<a1@shop.example.test>',
      recipients: [{ recipient: 'ann@example.com', outcome: 'bounce', status: '5.1.1' }],
    });
  });

  it.each([
    ['a generic 5.0.0 gives way to the quoted reply', '5.0.0', 'smtp; 550 5.7.1 Blocked', '5.7.1'],
    ['a specific status is kept', '5.1.1', 'smtp; 550 5.7.1 Blocked', '5.1.1'],
    ['a quoted reply of another class is not taken', '5.0.0', 'smtp; 451 4.4.1 Later', '5.0.0'],
    ['a missing status is taken from the reply', undefined, 'smtp; 550-5.1.1 Gone', '5.1.1'],
  ])('%s', (_what, status, diagnostic, expected) => {
    const fields = ['Final-Recipient: rfc822; ann@example.com', 'Action: failed'];
    if (status) fields.push(`Status: ${status}`);
    fields.push(`Diagnostic-Code: ${diagnostic}`);
    expect(readDeliveryStatus(block(fields), 50).recipients[0].status).toBe(expected);
  });

  it('keeps the code of a multi-line reply once', () => {
    const text = block([
      'Final-Recipient: rfc822; ann@example.com',
      'Action: failed',
      'Status: 5.2.2',
      'Diagnostic-Code: smtp; 552-Mailbox of ann is full,',
      ' 552-please try again',
      ' 552 later',
    ]);
    expect(readDeliveryStatus(text, 50).recipients[0].diagnostic).toBe(
      '552 Mailbox of ann is full, please try again later',
    );
  });

  it('lists a recipient reported twice once', () => {
    const entry = 'Final-Recipient: rfc822; ann@example.com\r\nAction: failed\r\nStatus: 5.1.1';
    const text = [entry, entry.replace('ann@', 'ANN@')].join('\r\n\r\n');
    expect(readDeliveryStatus(text, 50).recipients).toHaveLength(1);
  });

  it('takes an action with a comment', () => {
    const text = block([
      'Final-Recipient: rfc822; ann@example.com',
      'Action: Failed (permanent)',
      'Status: 5.1.1',
    ]);
    expect(readDeliveryStatus(text, 50).recipients[0].outcome).toBe('bounce');
  });
});
