import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Server, Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_KEY, OTHER_KEY, acceptedId, textMail } from './support/fixtures';
import { freePort } from './support/redis';
import { InProcessService, useStack } from './support/service';
import { SmtpSink, smtpError } from './support/smtp-sink';

interface Status {
  status: string;
  attempts: number;
  error?: string;
  transport?: string;
  transport_errors?: { transport: string; error: string }[];
}

/** Resolves once `done()` holds; rejects after `timeoutMs`. */
async function until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('condition never met');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'transports-e2e-'));
let files = 0;
function jsonFile(content: unknown): string {
  const file = join(dir, `file-${files++}.json`);
  writeFileSync(file, JSON.stringify(content));
  return file;
}
const digest = (key: string): string => createHash('sha256').update(key).digest('hex');
/** APP_KEY uses every transport in file order; OTHER_KEY only `three`, then `two`. */
const KEYS = jsonFile([
  { name: 'app', key_sha256: digest(APP_KEY) },
  { name: 'other', key_sha256: digest(OTHER_KEY), transports: ['three', 'two'] },
]);

/** A relay that is up but refuses everyone at the greeting (421), counting the connections. */
async function deadRelay(): Promise<{ server: Server; port: number; connections: () => number }> {
  let count = 0;
  const server = createServer((socket: Socket) => {
    count++;
    socket.end('421 4.3.2 Service not available\r\n');
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port, connections: () => count };
}

describe('named transports, routing and failover (TRANSPORTS_FILE)', () => {
  const stack = useStack(null, { smtp: false });
  const sinks: SmtpSink[] = [];
  let one: SmtpSink, two: SmtpSink, three: SmtpSink;
  let service: InProcessService;

  beforeAll(async () => {
    for (let n = 0; n < 3; n++) sinks.push(await SmtpSink.start(undefined, 50));
    [one, two, three] = sinks;
    const transports = jsonFile([
      { name: 'one', url: one.url },
      { name: 'two', url: two.url, pool: 2 },
      { name: 'three', url: three.url },
    ]);
    service = await stack.start({
      API_KEYS_FILE: KEYS,
      TRANSPORTS_FILE: transports,
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
  });
  afterAll(async () => {
    await Promise.all(sinks.map((sink) => sink.close()));
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
        { transport: 'one', error: expect.stringContaining('ECONNREFUSED') },
      ]);
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
    await until(() => one.inFlight === 0);
    expect(copies('No answer')).toEqual([1, 0, 0]);
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
    expect(Object.keys(transports).sort()).toEqual(['one', 'status', 'three', 'two']);
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
      ],
    });
    const { text: page } = await service.http.get('/').expect(200);
    expect(page).toContain('Transport two');
    for (const sink of sinks) expect(page + info).not.toContain(String(sink.port));
  });
});

describe('the circuit breaker (TRANSPORT_COOLDOWN_MS)', () => {
  const stack = useStack(null);
  let dead: Awaited<ReturnType<typeof deadRelay>>;
  let service: InProcessService;

  beforeAll(async () => {
    dead = await deadRelay();
    const transports = jsonFile([
      { name: 'dead', url: `smtp://127.0.0.1:${dead.port}` },
      { name: 'live', url: stack.smtp.url },
    ]);
    service = await stack.start({
      API_KEYS: `app:${APP_KEY}`,
      TRANSPORTS_FILE: transports,
      SMTP_URL: '',
      TRANSPORT_COOLDOWN_MS: '60000',
      QUEUE_PREFIX: 'transports-breaker',
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => dead.server.close(resolve));
  });

  it('skips a dead relay once it failed, while the cool-down lasts', async () => {
    await acceptedId(service.http, textMail('Breaker 1'));
    await stack.smtp.waitForUnique('Breaker 1', 1);
    expect(dead.connections()).toBe(1);
    const id = await acceptedId(service.http, textMail('Breaker 2'));
    await stack.smtp.waitForUnique('Breaker 2', 1);
    expect(dead.connections()).toBe(1);
    const { body } = await service.http.get(`/send-email/${id}`).set('X-API-Key', APP_KEY);
    expect(body).toMatchObject({ status: 'sent', transport: 'live' });
    expect(body).not.toHaveProperty('transport_errors');
  });
});
