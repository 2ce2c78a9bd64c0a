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
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
writeFileSync(join(dir, 'shop.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
const KEYS_FILE = join(dir, 'dkim.json');
writeFileSync(
  KEYS_FILE,
  JSON.stringify([{ domain: 'shop.example', selector: 'mail2026', private_key_file: 'shop.pem' }]),
);

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
    ]);
  });

  it('signs mail From the domain so that an independent verifier passes it', async () => {
    const id = await acceptedId(service.http, textMail('Signed with DKIM'));
    const mail = await arrived('Signed with DKIM');
    expect(mail.parsed.messageId).toContain(id);
    expect(await verify(mail.raw, await published(service))).toEqual([
      { result: 'pass', d: 'shop.example', s: 'mail2026' },
    ]);
    expect(mail.raw.toString()).toMatch(/DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed;/);
  });

  it('fails the signature of a mail whose body was changed on the way', async () => {
    await acceptedId(service.http, textMail('Tampered', { message: { text: 'Pay 10 EUR' } }));
    const mail = await arrived('Tampered');
    const tampered = Buffer.from(mail.raw.toString().replace('Pay 10 EUR', 'Pay 99 EUR'));
    const [result] = await verify(tampered, await published(service));
    expect(result.result).not.toBe('pass');
  });

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

  it('signs the .eml it writes as it would sign over SMTP', async () => {
    const id = await acceptedId(stack.service.http, textMail('Outbox signed'));
    await stack.service.finished(id);
    const [file] = readdirSync(outbox);
    const raw = readFileSync(join(outbox, file));
    const records = await published(stack.service);
    expect(await verify(raw, records)).toEqual([
      { result: 'pass', d: 'shop.example', s: 'mail2026' },
    ]);
  });
});
