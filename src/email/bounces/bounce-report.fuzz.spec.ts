import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BounceReport } from './bounce.types';
import { parseBounceReport } from './bounce-report.parser';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'bounces');
const SAMPLES = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.eml'))
  .map((name) => readFileSync(join(FIXTURES, name)));
const RUNS = { numRuns: 200 };
const SLOW_MS = 1000;

// Pieces of the MIME and report grammar, so that random input reaches the report readers.
const TOKENS = [
  'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n',
  'Content-Type: multipart/mixed; boundary=b\r\n',
  'Content-Type: message/delivery-status\r\n',
  'Content-Type: message/feedback-report\r\n',
  'Content-Type: message/rfc822\r\n',
  'Content-Type: text/rfc822-headers\r\n',
  'Content-Type: text/plain; charset=utf-7\r\n',
  'Content-Transfer-Encoding: base64\r\n',
  'Content-Transfer-Encoding: quoted-printable\r\n',
  'Content-Disposition: inline\r\n',
  '--b\r\n',
  '--b--\r\n',
  '\r\n',
  '\n',
  ' folded\r\n',
  'Reporting-MTA: dns; mx.example.com\r\n',
  'Final-Recipient: rfc822; ann@example.com\r\n',
  'Original-Recipient: rfc822;<bob@example.com>\r\n',
  'Action: failed\r\n',
  'Action: delayed\r\n',
  'Status: 5.1.1\r\n',
  'Status: 4.4.1\r\n',
  'Diagnostic-Code: smtp; 550-5.1.1 gone\r\n',
  'Feedback-Type: abuse\r\n',
  'Original-Rcpt-To: <ann@example.com>\r\n',
  'Message-ID: <x@example.test>\r\n',
  'To: a@example.com, "B, C" <b@example.com>\r\n',
  '=?utf-8?B?w6k=?=',
  '=E2=80',
  ':',
  ';',
  '<',
];

const mimeish = fc
  .array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 20 })), { maxLength: 80 })
  .map((parts) => Buffer.from(parts.join('')));

const sample = fc.constantFrom(...SAMPLES);
const truncated = fc
  .tuple(sample, fc.nat())
  .map(([raw, at]) => raw.subarray(0, at % (raw.length + 1)));
const flipped = fc
  .tuple(sample, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 30 }))
  .map(([raw, flips]) => {
    const copy = Buffer.from(raw);
    for (const [at, byte] of flips) copy[at % copy.length] = byte;
    return copy;
  });
const spliced = fc
  .tuple(sample, fc.nat(), fc.nat(), fc.uint8Array({ maxLength: 200 }))
  .map(([raw, a, b, bytes]) => {
    const [from, to] = [a % raw.length, b % raw.length].sort((x, y) => x - y);
    return Buffer.concat([raw.subarray(0, from), Buffer.from(bytes), raw.subarray(to)]);
  });

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;
const INVISIBLE = /[\p{Cc}\p{Cf}]/u;

function expectWellFormed(report: BounceReport | undefined): void {
  if (report === undefined) return;
  expect(['bounce', 'delayed', 'complaint']).toContain(report.kind);
  expect(report.recipients.length).toBeLessThanOrEqual(50);
  if (report.kind !== 'complaint') expect(report.recipients.length).toBeGreaterThan(0);
  for (const entry of report.recipients) {
    expect(entry.recipient).toMatch(ADDRESS);
    if (entry.status) expect(entry.status).toMatch(/^[245]\.\d{1,3}\.\d{1,3}$/);
    if (entry.diagnostic !== undefined) {
      expect(entry.diagnostic.length).toBeLessThanOrEqual(500);
      expect(entry.diagnostic).not.toMatch(INVISIBLE);
    }
  }
  const outcomes = new Set(report.recipients.map((entry) => entry.outcome));
  if (report.kind === 'delayed') expect([...outcomes]).toEqual(['delayed']);
  if (report.kind === 'bounce') expect(outcomes.has('bounce')).toBe(true);
  if (report.originalMessageId) expect(report.originalMessageId).toMatch(/^<[^<>\s]+>$/);
  expect(report.verpCandidates.length).toBeLessThanOrEqual(10);
  for (const address of [...report.verpCandidates, ...report.originalRecipients])
    expect(address).toMatch(ADDRESS);
}

const neverThrows = (input: fc.Arbitrary<Buffer | Uint8Array>): Promise<void> =>
  fc.assert(
    fc.asyncProperty(input, async (raw) => {
      const started = Date.now();
      const report = await parseBounceReport(Buffer.from(raw));
      expect(Date.now() - started).toBeLessThan(SLOW_MS);
      expectWellFormed(report);
    }),
    RUNS,
  );

describe('parseBounceReport under fuzzing', () => {
  it('survives random bytes', () => neverThrows(fc.uint8Array({ maxLength: 4096 })));

  it('survives random MIME-ish text', () => neverThrows(mimeish));

  it('survives every sample truncated anywhere', () => neverThrows(truncated));

  it('survives samples with random bytes flipped', () => neverThrows(flipped));

  it('survives samples with a random stretch replaced by random bytes', () => neverThrows(spliced));

  it('survives pathological structure', async () => {
    const nested = Array.from(
      { length: 2000 },
      (_, i) => `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`,
    ).join('');
    const longHeader = `Subject: ${'x'.repeat(2e6)}\r\n\r\nbody`;
    const manyParts = `Content-Type: multipart/report; boundary=b\r\n\r\n${'--b\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n'.repeat(5000)}`;
    for (const raw of [nested, longHeader, manyParts])
      expectWellFormed(await parseBounceReport(Buffer.from(raw)));
  });
});
