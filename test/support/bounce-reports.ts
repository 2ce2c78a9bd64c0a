import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The bounce domain the fixtures' VERP addresses are at. */
export const FIXTURE_DOMAIN = 'bounce.example.test';

const VERP = /bounce\+[0-9a-f-]{36}\.[0-9a-f]{16}@bounce\.example\.test/g;
const MESSAGE_ID = /<[0-9a-f-]{36}@shop\.example\.test>/g;

/** A fixture of test/fixtures/bounces/ as it is. */
export const fixture = (name: string): string =>
  readFileSync(join(__dirname, '..', 'fixtures', 'bounces', `${name}.eml`), 'utf8');

export interface ReportTarget {
  /** The envelope sender the email was really sent with; absent: no VERP address left at all. */
  verp?: string;
  /** The email's real Message-ID; absent: none left at all. */
  messageId?: string;
  /** The fixture's recipient and the address the email really went to, in its place. */
  recipient?: [string, string];
}

/**
 * A fixture report made about a real email: its VERP addresses and the returned Message-ID
 * replaced by the email's own (or by addresses that name no email, when not given).
 */
export function reportAbout(name: string, target: ReportTarget): Buffer {
  const [named, real] = target.recipient ?? ['', ''];
  const text = fixture(name)
    .replaceAll(named || '\u0000', real)
    .replace(VERP, target.verp ?? 'postmaster@shop.example.test')
    .replace(MESSAGE_ID, target.messageId ?? '<unrelated-message@shop.example.test>');
  return Buffer.from(text);
}
