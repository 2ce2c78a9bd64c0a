import type TestAgent from 'supertest/lib/agent';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const APP_KEY = 'test-key-app-0123456789';
export const OTHER_KEY = 'test-key-other-0123456789';
export const SHOP_KEY = 'test-key-shop-0123456789';

/** A plain-text mail whose body is its subject, so that it is easy to find in the sink. */
export const textMail = (subject: string, extra: object = {}): Record<string, unknown> => ({
  email_to: 'ann@example.com',
  email_from: 'no-reply@shop.example',
  subject,
  message: { text: subject },
  ...extra,
});

/** The SHA-256 hex digest a key file stores instead of the key. */
export const sha256 = (key: string): string => createHash('sha256').update(key).digest('hex');

/** Writes `content` to a new JSON file (key, transport or DKIM files) and returns its path. */
export function jsonFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mail-config-')), 'config.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

/** A key file as an operator would write it: the shop key only as its SHA-256, with allowed_from. */
export function writeKeyFile(): string {
  return jsonFile([
    { name: 'shop', key_sha256: sha256(SHOP_KEY), allowed_from: ['*@shop.example'] },
  ]);
}

/** POSTs `body` as the app and returns the id of the accepted (202) email. */
export async function acceptedId(http: TestAgent, body: object, key = APP_KEY): Promise<string> {
  const response = await http.post('/send-email/').set('X-API-Key', key).send(body).expect(202);
  return (response.body as { id: string }).id;
}
