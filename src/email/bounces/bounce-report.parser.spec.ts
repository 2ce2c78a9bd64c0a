import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BounceKind } from './bounce.types';
import { parseBounceReport } from './bounce-report.parser';
import { parseVerp } from './verp';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'bounces');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
// The secret the fixtures' VERP addresses were made with.
const SECRET = Buffer.from('fixture-verp-secret-0123456789');
const BOUNCE_DOMAIN = 'bounce.example.test';

interface Expected {
  kind: BounceKind;
  recipient: string;
  status?: string;
  diagnostic?: string;
  emailId: string;
}

const REPORTS: [string, Expected][] = [
  [
    'postfix-user-unknown.eml',
    {
      kind: 'bounce',
      recipient: 'ann@example.com',
      status: '5.1.1',
      diagnostic: 'User unknown in virtual mailbox table',
      emailId: '2f1c9a4e-7b3d-4e8a-9c51-0d6e2b7f8a13',
    },
  ],
  [
    'exim-failed.eml',
    {
      kind: 'bounce',
      recipient: 'bob@example.com',
      // Exim's Status is always 5.0.0: the quoted reply's code is the one kept.
      status: '5.1.1',
      diagnostic: '550 5.1.1 <bob@example.com>: Recipient address rejected',
      emailId: '5a8e0c17-3f92-4b6d-8e1a-7c4d9b2e6f05',
    },
  ],
  [
    'exchange-ndr.eml',
    {
      kind: 'bounce',
      recipient: 'carol@example.com',
      status: '5.1.10',
      diagnostic: 'RESOLVER.ADR.RecipientNotFound',
      emailId: '9d3b6e21-c4a8-4f17-b2e5-8a1f0c7d3e94',
    },
  ],
  [
    'gmail-dsn.eml',
    {
      kind: 'bounce',
      recipient: 'dave@example.com',
      status: '5.1.1',
      diagnostic: 'does not exist. Please try double-checking the recipient',
      emailId: 'c71e4a09-5b2d-4e83-9f6a-1d8c3b7e2a50',
    },
  ],
  [
    'postfix-delayed.eml',
    {
      kind: 'delayed',
      recipient: 'frank@slow.example.com',
      status: '4.4.1',
      diagnostic: 'connect to mx.slow.example.com[192.0.2.90]:25: Connection timed out',
      emailId: 'e4f2b8d3-1a6c-4d97-8b0e-5c3a9f1d7e26',
    },
  ],
  [
    'arf-complaint.eml',
    {
      kind: 'complaint',
      recipient: 'erin@example.com',
      emailId: '7b9c2e5f-8d1a-4c36-a4e7-2f0b6d9c1a83',
    },
  ],
];

describe('parseBounceReport on real-world samples', () => {
  it.each(REPORTS)('reads %s', async (name, expected) => {
    const report = await parseBounceReport(fixture(name));
    expect(report?.kind).toBe(expected.kind);
    expect(report?.recipients).toHaveLength(1);
    const [recipient] = report!.recipients;
    expect(recipient.recipient).toBe(expected.recipient);
    expect(recipient.outcome).toBe(expected.kind);
    expect(recipient.status).toBe(expected.status);
    if (expected.diagnostic) expect(recipient.diagnostic).toContain(expected.diagnostic);
    else expect(recipient.diagnostic).toBeUndefined();
    expect(report?.originalMessageId).toBe(`<${expected.emailId}@shop.example.test>`);
    expect(report?.originalRecipients).toEqual([expected.recipient]);
  });

  it.each(REPORTS)('finds the email of %s by its VERP address', async (name, { emailId }) => {
    const report = await parseBounceReport(fixture(name));
    const ids = report?.verpCandidates.map((a) => parseVerp(a, BOUNCE_DOMAIN, SECRET));
    expect(ids?.filter(Boolean)).toContain(emailId);
  });

  it.each([
    ['an out-of-office reply', 'auto-reply.eml'],
    ['spam quoting DSN fields in its body', 'plain-junk.eml'],
    ['a report whose parts use an undeclared boundary', 'malformed.eml'],
    ['a DMARC failure report (feedback, but no complaint)', 'arf-auth-failure.eml'],
  ])('drops %s', async (_what, name) => {
    await expect(parseBounceReport(fixture(name))).resolves.toBeUndefined();
  });

  it('keeps what a complaint says about where it came from', async () => {
    const report = await parseBounceReport(fixture('arf-complaint.eml'));
    expect(report).toMatchObject({ feedbackType: 'abuse', reportedDomain: 'shop.example.test' });
    expect(report?.reportingMta).toBe('mx.example.com');
  });

  it('reads the per-message fields of a DSN', async () => {
    const report = await parseBounceReport(fixture('exchange-ndr.eml'));
    expect(report?.reportingMta).toBe('EX1PR03MB7421.eurprd03.prod.example.com');
  });
});
