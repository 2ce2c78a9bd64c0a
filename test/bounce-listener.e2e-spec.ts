import fc from 'fast-check';
import { Socket, connect } from 'node:net';
import nodemailer from 'nodemailer';
import {
  FIXTURE_DOMAIN,
  SentEmail,
  fixture,
  fresh,
  sendAndDeliver,
  userUnknown,
} from './support/bounce-reports';
import { APP_KEY, acceptedId, textMail } from './support/fixtures';
import { freePort } from './support/redis';
import { InProcessService, ProcessService, useStack } from './support/service';
import { until } from './support/poll';

type Status = Record<string, unknown> & { status: string };
type SmtpFailure = Error & { responseCode?: number };

const FIXTURES = ['postfix-user-unknown', 'arf-complaint', 'postfix-delayed', 'exim-failed'];

/** Reads one SMTP reply (the last line of a multi-line one) from `socket`. */
function nextReply(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const last = text.trimEnd().split('\r\n').pop() ?? '';
      if (/^\d{3} /.test(last)) {
        socket.off('data', onData);
        resolve(last);
      }
    };
    socket.on('data', onData);
  });
}

/** SPEC §8: the inbound SMTP listener for bounces and complaints. */
describe('bounce listener (SMTP)', () => {
  const stack = useStack(null);
  let service: InProcessService;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    service = await stack.start({
      API_KEYS: `app:${APP_KEY}`,
      BOUNCE_DOMAIN: FIXTURE_DOMAIN,
      BOUNCE_SMTP_PORT: String(port),
      BOUNCE_SMTP_HOST: '127.0.0.1',
    });
  });

  const transport = () =>
    nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  /** Delivers `raw` to the listener as an MTA returns a bounce: from the null sender. */
  const deliver = (raw: Buffer | string, to: string) =>
    transport().sendMail({ envelope: { from: '', to }, raw });
  const sent = (to: string): Promise<SentEmail> => sendAndDeliver(service, stack.smtp, to);
  const statusOf = async (id: string): Promise<Status> =>
    (await service.http.get(`/send-email/${id}`).set('X-API-Key', APP_KEY).expect(200))
      .body as Status;

  it('bounces the email a DSN sent to its VERP address is about', async () => {
    const email = await sent(fresh('ann'));
    const info = await deliver(userUnknown(email), email.verp);
    expect(info.response).toMatch(/^250/);
    expect(await statusOf(email.id)).toMatchObject({
      status: 'bounced',
      bounce: { recipient: email.to, status: '5.1.1' },
    });
    const entry = await service.http
      .get(`/suppressions/${email.to}`)
      .set('X-API-Key', APP_KEY)
      .expect(200);
    expect(entry.body).toMatchObject({ reason: 'bounce', email_id: email.id });
  });

  it('accepts and ignores mail that is no report', async () => {
    const info = await deliver(fixture('plain-junk'), `postmaster@${FIXTURE_DOMAIN}`);
    expect(info.response).toMatch(/^250/);
  });

  it('refuses recipients at another domain with 550', async () => {
    const error = (await deliver(fixture('plain-junk'), 'ann@example.com').then(
      () => undefined,
      (failure: SmtpFailure) => failure,
    )) as SmtpFailure;
    expect(error.responseCode).toBe(550);
  });

  it('refuses a message over 1 MiB with 552, and stays up', async () => {
    const socket = connect(port, '127.0.0.1');
    try {
      expect(await nextReply(socket)).toMatch(/^220/);
      for (const [command, code] of [
        ['EHLO mx.example.com', /^250/],
        ['MAIL FROM:<>', /^250/],
        [`RCPT TO:<postmaster@${FIXTURE_DOMAIN}>`, /^250/],
        ['DATA', /^354/],
      ] as const) {
        socket.write(`${command}\r\n`);
        expect(await nextReply(socket)).toMatch(code);
      }
      const line = `${'x'.repeat(998)}\r\n`;
      socket.write(`Subject: big\r\n\r\n${line.repeat(1100)}.\r\n`);
      expect(await nextReply(socket)).toMatch(/^552/);
    } finally {
      socket.destroy();
    }
    await deliver(fixture('plain-junk'), `postmaster@${FIXTURE_DOMAIN}`);
  });

  it('survives random and truncated messages, then still applies a valid report', async () => {
    const message = fc.oneof(
      fc.uint8Array({ maxLength: 4096 }).map((bytes) => Buffer.from(bytes)),
      fc
        .tuple(fc.constantFrom(...FIXTURES), fc.double({ min: 0, max: 1, noNaN: true }))
        .map(([name, cut]) => {
          const text = fixture(name);
          return Buffer.from(text.slice(0, Math.floor(text.length * cut)));
        }),
      fc.string({ unit: 'binary', maxLength: 2000 }).map((text) => Buffer.from(text)),
    );
    await fc.assert(
      fc.asyncProperty(message, async (raw) => {
        const info = await deliver(raw, `bounce+x@${FIXTURE_DOMAIN}`);
        expect(info.response).toMatch(/^250/);
      }),
      { numRuns: 40 },
    );
    const email = await sent(fresh('ann'));
    await deliver(userUnknown(email), email.verp);
    expect((await statusOf(email.id)).status).toBe('bounced');
  });

  it('answers 451 while Redis is away, so the MTA tries again; applies it once Redis is back', async () => {
    await stack.redis.kill();
    const started = Date.now();
    const error = (await deliver(
      fixture('postfix-user-unknown'),
      `postmaster@${FIXTURE_DOMAIN}`,
    ).then(
      () => undefined,
      (failure: SmtpFailure) => failure,
    )) as SmtpFailure;
    expect(error.responseCode).toBe(451);
    expect(Date.now() - started).toBeLessThan(5000);
    await stack.redis.restart();
    const email = await sent(fresh('ann'));
    await deliver(userUnknown(email), email.verp);
    expect((await statusOf(email.id)).status).toBe('bounced');
  });

  it('is closed when the service stops', async () => {
    const ownPort = await freePort();
    const other = await stack.start({
      API_KEYS: `app:${APP_KEY}`,
      QUEUE_PREFIX: 'bounce-listener-closing',
      BOUNCE_DOMAIN: FIXTURE_DOMAIN,
      BOUNCE_SMTP_PORT: String(ownPort),
      BOUNCE_SMTP_HOST: '127.0.0.1',
    });
    const open = connect(ownPort, '127.0.0.1');
    expect(await nextReply(open)).toMatch(/^220/);
    open.destroy();
    await other.close();
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(ownPort, '127.0.0.1');
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(String(error.code)));
      socket.once('connect', () => (socket.destroy(), resolve('connected')));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});

/** ROLE=all: the API processes share the listener's port (node:cluster); workers open none. */
describe('bounce listener under the supervisor', () => {
  const stack = useStack(null, { mode: 'process' });
  let service: ProcessService;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    service = await stack.start({
      API_KEYS: `app:${APP_KEY}`,
      API_PROCESSES: '2',
      WORKER_PROCESSES: '1',
      BOUNCE_DOMAIN: FIXTURE_DOMAIN,
      BOUNCE_SMTP_PORT: String(port),
      BOUNCE_SMTP_HOST: '127.0.0.1',
    });
    await service.waitForLog((line) => line.msg === 'all processes started');
  });

  it('listens in each API process, and a bounce sent to it is applied', async () => {
    const listening = service.lines
      .filter((line) => line.msg === 'bounce listener started')
      .map((line) => line.process);
    expect(listening.sort()).toEqual(['api-1', 'api-2']);
    const to = fresh('ann');
    const id = await acceptedId(service.http, textMail('Supervised', { email_to: to }));
    const mail = await until(() =>
      Promise.resolve(stack.smtp.mails.find((m) => m.parsed.messageId === `<${id}@shop.example>`)),
    );
    const email: SentEmail = { id, to, verp: mail.from, messageId: `<${id}@shop.example>` };
    await nodemailer
      .createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true })
      .sendMail({ envelope: { from: '', to: email.verp }, raw: userUnknown(email) });
    const status = await until(async () => {
      const { body } = await service.http.get(`/send-email/${id}`).set('X-API-Key', APP_KEY);
      return (body as Status).status === 'bounced' ? (body as Status) : undefined;
    });
    expect(status.bounce).toMatchObject({ recipient: to, status: '5.1.1' });
  });
});
