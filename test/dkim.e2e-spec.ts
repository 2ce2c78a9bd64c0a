import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_KEY, acceptedId, textMail } from './support/fixtures';
import { InProcessService, useStack } from './support/service';
import { ReceivedMail } from './support/smtp-sink';

// mailauth's package entry loads an undici that needs a newer Node than 20: its verifier
// alone is enough, and is independent of nodemailer's signer.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { dkimVerify } = require('mailauth/lib/dkim/verify') as {
  dkimVerify(
    raw: Buffer,
    options: { resolver(name: string, type: string): Promise<string[][]> },
  ): Promise<{
    results: {
      status: { result: string; comment?: string };
      signingDomain: string;
      selector: string;
    }[];
  }>;
};

interface DkimRecord {
  domain: string;
  selector: string;
  dns_name: string;
  dns_type: string;
  dns_value: string;
}

const dir = mkdtempSync(join(tmpdir(), 'dkim-e2e-'));
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const ed25519 = generateKeyPairSync('ed25519').privateKey;
writeFileSync(join(dir, 'shop.pem'), rsa.export({ type: 'pkcs8', format: 'pem' }));
writeFileSync(join(dir, 'news.pem'), ed25519.export({ type: 'pkcs8', format: 'pem' }));
const KEYS_FILE = join(dir, 'dkim.json');
writeFileSync(
  KEYS_FILE,
  JSON.stringify([
    { domain: 'shop.example', selector: 'mail2026', private_key_file: 'shop.pem' },
    { domain: 'news.example', selector: 'ed2026', private_key_file: 'news.pem' },
  ]),
);
/** Each algorithm: the From domain whose key uses it, its selector and its a= tag. */
const ALGORITHMS = [
  ['RSA', 'shop.example', 'mail2026', 'rsa-sha256'],
  ['Ed25519', 'news.example', 'ed2026', 'ed25519-sha256'],
] as const;

/** A verifier whose DNS holds exactly what GET /dkim told us to publish. */
async function verify(
  raw: Buffer,
  records: DkimRecord[],
): Promise<{ result: string; d: string; s: string }[]> {
  const resolver = (name: string): Promise<string[][]> => {
    const record = records.find((r) => r.dns_name === name);
    if (!record)
      return Promise.reject(Object.assign(new Error('no record'), { code: 'ENOTFOUND' }));
    return Promise.resolve([[record.dns_value]]);
  };
  const { results } = await dkimVerify(raw, { resolver });
  return results.map((r) => ({ result: r.status.result, d: r.signingDomain, s: r.selector }));
}

async function published(service: InProcessService): Promise<DkimRecord[]> {
  const { body } = await service.http.get('/dkim').set('X-API-Key', APP_KEY).expect(200);
  return (body as { data: DkimRecord[] }).data;
}

describe('DKIM signing (DKIM_KEYS_FILE)', () => {
  const stack = useStack(null);
  let service: InProcessService;

  beforeAll(async () => {
    service = await stack.start({ API_KEYS: `app:${APP_KEY}`, DKIM_KEYS_FILE: KEYS_FILE });
  });
  const arrived = async (subject: string): Promise<ReceivedMail> => {
    await stack.smtp.waitForUnique(subject, 1);
    return stack.smtp.bySubject(subject)[0];
  };

  it('lists the TXT record to publish for each domain, to a caller with a key only', async () => {
    await service.http.get('/dkim').expect(401);
    expect(await published(service)).toEqual([
      {
        domain: 'shop.example',
        selector: 'mail2026',
        dns_name: 'mail2026._domainkey.shop.example',
        dns_type: 'TXT',
        dns_value: expect.stringMatching(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/]+=*$/),
      },
      {
        domain: 'news.example',
        selector: 'ed2026',
        dns_name: 'ed2026._domainkey.news.example',
        dns_type: 'TXT',
        dns_value: expect.stringMatching(/^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/),
      },
    ]);
  });

  it.each(ALGORITHMS)(
    '%s: signs mail From a subdomain so that an independent verifier passes it',
    async (name, domain, selector, algorithm) => {
      const subject = `Signed with ${name}`;
      const from = `Shop <no-reply@mail.${domain}>`;
      const cc = ['Bob <bob@example.com>'];
      const id = await acceptedId(
        service.http,
        textMail(subject, { email_from: from, cc, bcc: ['carol@example.com'] }),
      );
      const mail = await arrived(subject);
      expect(mail.parsed.messageId).toContain(id);
      expect(mail.to).toEqual(['ann@example.com', 'bob@example.com', 'carol@example.com']);
      expect(await verify(mail.raw, await published(service))).toEqual([
        { result: 'pass', d: domain, s: selector },
      ]);
      const header = new RegExp(`DKIM-Signature: v=1; a=${algorithm}; c=relaxed/relaxed;`);
      expect(mail.raw.toString()).toMatch(header);
      expect(mail.raw.toString()).not.toMatch(/^bcc:/im);
    },
  );

  it.each(ALGORITHMS)(
    '%s: fails the signature of a mail whose body was changed on the way',
    async (name, domain) => {
      const subject = `Tampered ${name}`;
      const mail = textMail(subject, {
        email_from: `no-reply@${domain}`,
        message: { text: 'Pay 10 EUR' },
      });
      await acceptedId(service.http, mail);
      const { raw } = await arrived(subject);
      const tampered = Buffer.from(raw.toString().replace('Pay 10 EUR', 'Pay 99 EUR'));
      expect(tampered.equals(raw)).toBe(false);
      const [result] = await verify(tampered, await published(service));
      expect(result.result).not.toBe('pass');
    },
  );

  it('leaves mail From a domain without a key unsigned', async () => {
    await acceptedId(
      service.http,
      textMail('Unsigned', { email_from: 'Other <no-reply@other.example>' }),
    );
    const mail = await arrived('Unsigned');
    expect(mail.raw.toString()).not.toContain('DKIM-Signature');
  });
});

describe('DKIM signing into the outbox (no SMTP_URL)', () => {
  const outbox = join(dir, 'outbox');
  const stack = useStack(
    () => ({ API_KEYS: `app:${APP_KEY}`, DKIM_KEYS_FILE: KEYS_FILE, OUTBOX_DIR: outbox }),
    { smtp: false },
  );

  it.each(ALGORITHMS)(
    '%s: signs the .eml it writes as it would sign over SMTP',
    async (name, domain, selector) => {
      const mail = textMail(`Outbox ${name}`, { email_from: `no-reply@${domain}` });
      const id = await acceptedId(stack.service.http, mail);
      await stack.service.finished(id);
      const file = readdirSync(outbox).find((f) => f.includes(id));
      const raw = readFileSync(join(outbox, file!));
      expect(await verify(raw, await published(stack.service))).toEqual([
        { result: 'pass', d: domain, s: selector },
      ]);
    },
  );
});
