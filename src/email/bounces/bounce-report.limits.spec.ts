import { parseBounceReport } from './bounce-report.parser';

const MESSAGE_ID = '<0b7e3c52-4d1a-4f6e-9a2b-6c8d1e2f3a4b@shop.example.test>';

/** A minimal multipart/report around `report` (a delivery status or feedback report body). */
function report(body: string, type = 'delivery-status', returned = ''): Buffer {
  return Buffer.from(
    [
      'From: MAILER-DAEMON@mx.example.com',
      'To: bounce@bounce.example.test',
      `Content-Type: multipart/report; report-type=${type}; boundary="b"`,
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'The mail system',
      '--b',
      `Content-Type: message/${type}`,
      '',
      body,
      '--b',
      'Content-Type: text/rfc822-headers',
      '',
      `Message-ID: ${MESSAGE_ID}`,
      'To: Ann <ann@example.com>, "Doe, Bob" <bob@example.com>',
      returned,
      '--b--',
      '',
    ].join('\r\n'),
  );
}

const recipient = (address: string, action: string, status: string): string =>
  `Final-Recipient: rfc822; ${address}\r\nAction: ${action}\r\nStatus: ${status}\r\n`;

describe('parseBounceReport decisions', () => {
  it('reports each recipient of a mixed DSN by itself, and the most severe kind', async () => {
    const dsn = await parseBounceReport(
      report(
        [
          'Reporting-MTA: dns; mx.example.com\r\n',
          recipient('ann@example.com', 'delayed', '4.2.2'),
          recipient('bob@example.com', 'failed', '5.1.1'),
          recipient('cid@example.com', 'delivered', '2.0.0'),
          recipient('dan@example.com', 'relayed', '2.0.0'),
        ].join('\r\n'),
      ),
    );
    expect(dsn?.kind).toBe('bounce');
    expect(dsn?.recipients).toEqual([
      { recipient: 'ann@example.com', outcome: 'delayed', status: '4.2.2' },
      { recipient: 'bob@example.com', outcome: 'bounce', status: '5.1.1' },
    ]);
  });

  it.each([
    ['failed with a transient status (expired in a queue)', 'failed', '4.4.7'],
    ['delivered', 'delivered', '2.0.0'],
    ['delayed with a permanent status', 'delayed', '5.1.1'],
    ['an unknown action', 'bounced', '5.1.1'],
  ])('drops a DSN whose only recipient is %s', async (_what, action, status) => {
    const dsn = report(recipient('ann@example.com', action, status));
    await expect(parseBounceReport(dsn)).resolves.toBeUndefined();
  });

  it('names the original recipient when an alias was expanded', async () => {
    const block =
      'Final-Recipient: rfc822; ann.smith@mailstore.example.com\r\n' +
      'Original-Recipient: rfc822; ann@example.com\r\nAction: failed\r\nStatus: 5.2.1\r\n';
    const dsn = await parseBounceReport(report(block));
    expect(dsn?.recipients).toEqual([
      {
        recipient: 'ann@example.com',
        finalRecipient: 'ann.smith@mailstore.example.com',
        outcome: 'bounce',
        status: '5.2.1',
      },
    ]);
  });

  it('cleans a diagnostic: unfolded, one line, no control characters, capped', async () => {
    const block =
      recipient('ann@example.com', 'failed', '5.1.1') +
      `Diagnostic-Code: smtp; 550 5.1.1 gone\x07\x1b[31m\r\n  ${'x'.repeat(900)}\r\n`;
    const [entry] = (await parseBounceReport(report(block)))!.recipients;
    expect(entry.diagnostic).toMatch(/^550 5\.1\.1 gone \[31m x+$/);
    expect(entry.diagnostic).toHaveLength(500);
  });

  it('reads a base64-encoded report part', async () => {
    const body = Buffer.from(recipient('ann@example.com', 'failed', '5.1.1')).toString('base64');
    const raw = report(body)
      .toString()
      .replace(
        'message/delivery-status\r\n',
        'message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n',
      );
    const dsn = await parseBounceReport(Buffer.from(raw));
    expect(dsn?.recipients[0]).toMatchObject({ recipient: 'ann@example.com', status: '5.1.1' });
  });

  it('keeps at most maxRecipients recipients', async () => {
    const blocks = Array.from({ length: 80 }, (_, i) =>
      recipient(`user${i}@example.com`, 'failed', '5.1.1'),
    );
    const dsn = await parseBounceReport(report(blocks.join('\r\n')));
    expect(dsn?.recipients).toHaveLength(50);
    const fewer = await parseBounceReport(report(blocks.join('\r\n')), { maxRecipients: 3 });
    expect(fewer?.recipients.map((r) => r.recipient)).toEqual([
      'user0@example.com',
      'user1@example.com',
      'user2@example.com',
    ]);
  });

  it('reads a complaint with a redacted recipient as one about the returned To', async () => {
    const arf = 'Feedback-Type: abuse\r\nVersion: 1\r\nOriginal-Rcpt-To: redacted\r\n';
    const complaint = await parseBounceReport(report(arf, 'feedback-report'));
    expect(complaint?.kind).toBe('complaint');
    expect(complaint?.recipients.map((r) => r.recipient)).toEqual([
      'ann@example.com',
      'bob@example.com',
    ]);
    expect(complaint?.originalMessageId).toBe(MESSAGE_ID);
  });

  it.each(['not-spam', 'auth-failure', 'other', ''])(
    'drops feedback of type "%s"',
    async (type) => {
      const arf = `Feedback-Type: ${type}\r\nVersion: 1\r\nOriginal-Rcpt-To: <ann@example.com>\r\n`;
      await expect(parseBounceReport(report(arf, 'feedback-report'))).resolves.toBeUndefined();
    },
  );

  it('reads only the first maxBytes: a bounce of a huge email still counts', async () => {
    const huge = report(
      recipient('ann@example.com', 'failed', '5.1.1'),
      undefined,
      'x'.repeat(3e6),
    );
    const dsn = await parseBounceReport(huge);
    expect(dsn?.recipients[0].recipient).toBe('ann@example.com');
    await expect(parseBounceReport(huge, { maxBytes: 200 })).resolves.toBeUndefined();
  });

  it('drops huge junk quickly', async () => {
    const started = Date.now();
    await expect(parseBounceReport(Buffer.alloc(5e6, 'a'))).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it.each([
    ['an empty buffer', Buffer.alloc(0)],
    ['a string', 'Action: failed' as unknown as Buffer],
    ['null', null as unknown as Buffer],
  ])('drops %s', async (_what, input) => {
    await expect(parseBounceReport(input)).resolves.toBeUndefined();
  });
});
