import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APP_KEY,
  OTHER_KEY,
  SHOP_KEY,
  acceptedId,
  jsonFile,
  sha256,
  textMail,
} from './support/fixtures';
import { InProcessService, useStack } from './support/service';
import { ScriptedRelay } from './support/scripted-relay';
import { SmtpSink, smtpError } from './support/smtp-sink';
import { until } from './support/poll';

interface Status {
  status: string;
  attempts: number;
  error?: string;
  transport?: string;
  transport_errors?: { transport: string; error: string }[];
}

/**
 * APP_KEY uses every transport in file order; OTHER_KEY only `three`, then `two`; SHOP_KEY
 * the scripted relay `flaky`, then `two`.
 */
const KEYS = jsonFile([
  { name: 'app', key_sha256: sha256(APP_KEY) },
  { name: 'other', key_sha256: sha256(OTHER_KEY), transports: ['three', 'two'] },
  { name: 'shop', key_sha256: sha256(SHOP_KEY), transports: ['flaky', 'two'] },
]);

/**
 * Every mail of the suite (From shop.example) is DKIM-signed (RSA, by nodemailer): failover
 * must tell where a send broke by the signed stream the socket gets, not the one signed.
 */
function dkimKeysFile(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = join(mkdtempSync(join(tmpdir(), 'transports-dkim-')), 'shop.pem');
  writeFileSync(pem, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return jsonFile([{ domain: 'shop.example', selector: 's1', private_key_file: pem }]);
}

describe('named transports, routing and failover (TRANSPORTS_FILE)', () => {
  const stack = useStack(null, { smtp: false });
  const sinks: SmtpSink[] = [];
  let one: SmtpSink, two: SmtpSink, three: SmtpSink;
  let flaky: ScriptedRelay;
  let service: InProcessService;

  beforeAll(async () => {
    for (let n = 0; n < 3; n++) sinks.push(await SmtpSink.start(undefined, 50));
    [one, two, three] = sinks;
    flaky = await ScriptedRelay.start();
    const transports = jsonFile([
      { name: 'one', url: one.url },
      { name: 'two', url: two.url, pool: 2 },
      { name: 'three', url: three.url },
      { name: 'flaky', url: flaky.url },
    ]);
    service = await stack.start({
      API_KEYS_FILE: KEYS,
      TRANSPORTS_FILE: transports,
      DKIM_KEYS_FILE: dkimKeysFile(),
      SMTP_URL: '',
      TRANSPORT_COOLDOWN_MS: '0',
      SMTP_TIMEOUT_MS: '1000',
      SEND_BACKOFF_MS: '1000',
      SEND_ATTEMPTS: '5',
    });
  });
  afterEach(() => {
    for (const sink of sinks) {
      sink.onRcpt = undefined;
      sink.onMailFrom = undefined;
      sink.dataDelayMs = 0;
    }
    flaky.mode = 'accept';
  });
  afterAll(async () => {
    await Promise.all([...sinks.map((sink) => sink.close()), flaky.close()]);
  });

  const status = async (id: string, key = APP_KEY): Promise<Status> =>
    (await service.http.get(`/send-email/${id}`).set('X-API-Key', key).expect(200)).body as Status;

  async function statusWhen(
    id: string,
    done: (record: Status) => boolean,
    key = APP_KEY,
    timeoutMs = 15_000,
  ): Promise<Status> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await status(id, key);
      if (done(record)) return record;
      if (Date.now() > deadline) throw new Error(`status stayed ${JSON.stringify(record)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const copies = (subject: string): number[] => sinks.map((sink) => sink.bySubject(subject).length);

  it('routes each key through its own first transport', async () => {
    const id = await acceptedId(service.http, textMail('Routed app'));
    const other = await acceptedId(service.http, textMail('Routed other'), OTHER_KEY);
    await one.waitForUnique('Routed app', 1);
    await three.waitForUnique('Routed other', 1);
    expect(copies('Routed app')).toEqual([1, 0, 0]);
    expect(copies('Routed other')).toEqual([0, 0, 1]);
    expect(await statusWhen(id, (s) => s.status === 'sent')).toMatchObject({ transport: 'one' });
    expect(await statusWhen(other, (s) => s.status === 'sent', OTHER_KEY)).toMatchObject({
      transport: 'three',
    });
  });

  it('primary down: delivered through the backup within a second, the error kept', async () => {
    await one.close();
    try {
      const started = Date.now();
      const id = await acceptedId(service.http, textMail('Primary down'));
      await two.waitForUnique('Primary down', 1, 5000);
      expect(Date.now() - started).toBeLessThan(1000);
      const record = await statusWhen(id, (s) => s.status === 'sent');
      expect(record).toMatchObject({ transport: 'two', attempts: 1 });
      expect(record.transport_errors).toEqual([
        { transport: 'one', error: 'connection failed (ECONNREFUSED)' },
      ]);
      // A key holder reads the status: the relay's address stays out of it.
      expect(JSON.stringify(record)).not.toMatch(new RegExp(`127\\.0\\.0\\.1|:${one.port}`));
    } finally {
      await one.listen();
    }
  });

  it.each(['MAIL FROM', 'RCPT TO'])('451 to %s: the backup takes it at once', async (command) => {
    const subject = `Greylisted at ${command}`;
    const later = (): Error => smtpError(451, '4.7.1 Try later');
    if (command === 'MAIL FROM') one.onMailFrom = later;
    else one.onRcpt = later;
    const id = await acceptedId(service.http, textMail(subject));
    await two.waitForUnique(subject, 1);
    expect(copies(subject)).toEqual([0, 1, 0]);
    const record = await statusWhen(id, (s) => s.status === 'sent');
    expect(record).toMatchObject({ transport: 'two', attempts: 1 });
    expect(record.transport_errors).toEqual([
      { transport: 'one', error: expect.stringContaining('451 4.7.1 Try later') },
    ]);
  });

  it('550 5.1.1: the email fails and no other transport is touched', async () => {
    const before = [one, two, three].map((sink) => sink.mails.length);
    one.onRcpt = () => smtpError(550, '5.1.1 No such user');
    const mail = textMail('Unknown user', { email_to: 'gone@example.com' });
    const id = await acceptedId(service.http, mail);
    const record = await statusWhen(id, (s) => s.status === 'failed');
    expect(record.error).toContain('550 5.1.1 No such user');
    expect(record.transport_errors).toEqual([{ transport: 'one', error: expect.any(String) }]);
    expect([one, two, three].map((sink) => sink.mails.length)).toEqual(before);
    await service.http.get('/suppressions/gone@example.com').set('X-API-Key', APP_KEY).expect(200);
  });

  it('DATA accepted, then no answer: that transport only, even when down, and one copy', async () => {
    one.dataDelayMs = 3000;
    const id = await acceptedId(service.http, textMail('No answer'));
    const first = await statusWhen(id, (s) => s.status === 'queued' && s.attempts === 1);
    expect(first.transport_errors).toEqual([
      { transport: 'one', error: expect.stringMatching(/timeout/i) },
    ]);
    // Now `one` cannot be reached: the retry must wait for it, not try `two`.
    one.dataDelayMs = 0;
    await one.close();
    try {
      const second = await statusWhen(id, (s) => s.status === 'queued' && s.attempts === 2);
      expect(second.transport_errors).toEqual([
        { transport: 'one', error: expect.stringContaining('ECONNREFUSED') },
      ]);
    } finally {
      await one.listen();
    }
    const record = await statusWhen(id, (s) => s.status === 'sent');
    expect(record).toMatchObject({ transport: 'one', attempts: 3 });
    // The first copy, answered too late, is dropped by the sink as a real MTA would.
    await until(() => (one.inFlight === 0 ? true : undefined));
    expect(copies('No answer')).toEqual([1, 0, 0]);
  });

  it.each([
    ['refuse-auth', '535 5.7.8 Bad credentials'],
    ['busy', '421 4.3.2 Shutting down'],
    ['refuse-sender', '550 5.7.1 Sender not allowed'],
  ] as const)("%s: the relay's fault, so the backup takes it at once", async (mode, reply) => {
    flaky.mode = mode;
    const subject = `Relay refuses: ${mode}`;
    const id = await acceptedId(service.http, textMail(subject), SHOP_KEY);
    await two.waitForUnique(subject, 1);
    const record = await statusWhen(id, (s) => s.status === 'sent', SHOP_KEY);
    expect(record).toMatchObject({ transport: 'two', attempts: 1 });
    expect(record.transport_errors).toEqual([
      { transport: 'flaky', error: expect.stringContaining(reply) },
    ]);
  });

  it('connection reset before DATA: the backup takes it at once', async () => {
    flaky.mode = 'reset-before-data';
    const id = await acceptedId(service.http, textMail('Reset before DATA'), SHOP_KEY);
    await two.waitForUnique('Reset before DATA', 1);
    const record = await statusWhen(id, (s) => s.status === 'sent', SHOP_KEY);
    expect(record).toMatchObject({ transport: 'two', attempts: 1 });
    expect(record.transport_errors).toEqual([{ transport: 'flaky', error: expect.any(String) }]);
    expect(flaky.resetsBeforeData).toBeGreaterThan(0);
    const [copy] = two.bySubject('Reset before DATA');
    expect(copy.raw.toString()).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed;/m);
    expect(flaky.dropped.length + flaky.delivered.length).toBe(0);
  });

  it('connection reset after the message: that transport again after the backoff, never another', async () => {
    flaky.mode = 'reset-after-data';
    const id = await acceptedId(service.http, textMail('Reset after DATA'), SHOP_KEY);
    const first = await statusWhen(id, (s) => s.status === 'queued', SHOP_KEY);
    expect(first).toMatchObject({ attempts: 1 });
    expect(first.transport_errors).toEqual([{ transport: 'flaky', error: expect.any(String) }]);
    expect(flaky.dropped).toHaveLength(1);
    flaky.mode = 'accept';
    const record = await statusWhen(id, (s) => s.status === 'sent', SHOP_KEY);
    expect(record).toMatchObject({ transport: 'flaky', attempts: 2 });
    expect(flaky.delivered.filter((m) => m.includes('Subject: Reset after DATA'))).toHaveLength(1);
    expect(copies('Reset after DATA')).toEqual([0, 0, 0]);
  });

  it('all down, then one back: delivered after the backoff', async () => {
    await Promise.all([two.close(), three.close()]);
    let id: string;
    try {
      id = await acceptedId(service.http, textMail('All down'), OTHER_KEY);
      const first = await statusWhen(id, (s) => s.status === 'queued', OTHER_KEY);
      expect(first.transport_errors?.map((e) => e.transport)).toEqual(['three', 'two']);
    } finally {
      await two.listen();
    }
    const record = await statusWhen(id, (s) => s.status === 'sent', OTHER_KEY);
    expect(record.transport).toBe('two');
    expect(record.attempts).toBeGreaterThan(1);
    await three.listen();
  });

  it('shows each transport on /health, /metrics and the info page, never its host', async () => {
    const { body: health } = await service.http.get('/health').expect(200);
    const transports = (health as { details: Record<string, Record<string, unknown>> }).details
      .transports;
    expect(transports).toMatchObject({ status: 'up', two: { ok: true } });
    expect(Object.keys(transports).sort()).toEqual(['flaky', 'one', 'status', 'three', 'two']);
    const { text: metrics } = await service.http.get('/metrics').expect(200);
    expect(metrics).toMatch(/^emails_sent_total\{transport="two"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^email_transport_failovers_total\{from="one"\} [1-9]\d*$/m);
    const { text: info } = await service.http.get('/info.json').expect(200);
    expect(JSON.parse(info)).toMatchObject({
      transport: 'SMTP',
      transports: [
        { name: 'one', state: expect.any(String) },
        { name: 'two', state: 'working' },
        { name: 'three', state: expect.any(String) },
        { name: 'flaky', state: expect.any(String) },
      ],
    });
    const { text: page } = await service.http.get('/').expect(200);
    expect(page).toContain('Transport two');
    const everything = JSON.stringify(health) + metrics + info + page;
    for (const { port } of [...sinks, flaky]) expect(everything).not.toContain(`:${port}`);
    expect(everything).not.toMatch(/relay-user|relay-pass|127\.0\.0\.1/);
  });
});
