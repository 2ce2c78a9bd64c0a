import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_KEY, OTHER_KEY, acceptedId, textMail } from './fixtures';
import { InProcessService, useStack } from './service';
import { SmtpSink } from './smtp-sink';
import { WebhookReceiver } from './webhook-receiver';

/** The bounce domain the fixtures' VERP addresses are at. */
export const FIXTURE_DOMAIN = 'bounce.example.test';

const VERP = /bounce\+[0-9a-f-]{36}\.[0-9a-f]{16}@bounce\.example\.test/g;
const MESSAGE_ID = /<[0-9a-f-]{36}@shop\.example\.test>/g;

export interface BounceSetup {
  service: InProcessService;
  smtp: SmtpSink;
  receiver: WebhookReceiver;
}

/**
 * The bounce suites' service, booted once for the file: keys `app` and `other`, BOUNCE_DOMAIN
 * at the fixtures' domain, events to a receiver that must never get a forged delivery.
 * The fields are set once the hooks ran.
 */
export function useBounceService(): BounceSetup {
  const stack = useStack(null);
  const setup = {} as BounceSetup;
  beforeAll(async () => {
    setup.receiver = await WebhookReceiver.start();
    setup.service = await stack.start({
      API_KEYS: `app:${APP_KEY},other:${OTHER_KEY}`,
      BOUNCE_DOMAIN: FIXTURE_DOMAIN,
      WEBHOOK_URL: setup.receiver.url,
      WEBHOOK_SECRET: setup.receiver.secret,
    });
    setup.smtp = stack.smtp;
  });
  afterEach(() => expect(setup.receiver.forged).toEqual([]));
  afterAll(() => setup.receiver.stop());
  return setup;
}

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

/** An email really sent, with what a report about it names. */
export interface SentEmail {
  id: string;
  /** The recipient's plain address. */
  to: string;
  /** The envelope sender the sink saw. */
  verp: string;
  messageId: string;
}

/** Sends a text mail to `to` (subject `To <to>`) and waits until the sink has it. */
export async function sendAndDeliver(
  service: InProcessService,
  smtp: SmtpSink,
  to: string,
  extra: object = {},
  key = APP_KEY,
): Promise<SentEmail> {
  const body = textMail(`To ${to}`, { email_to: to, ...extra });
  const id = await acceptedId(service.http, body, key);
  await service.finished(id);
  const messageId = `<${id}@shop.example>`;
  const mail = smtp.mails.find((received) => received.parsed.messageId === messageId)!;
  return { id, to: /<(.*)>/.exec(to)?.[1] ?? to, verp: mail.from, messageId };
}

let serial = 0;
/** An address of its own for each test: a bounce suppresses it for the tests after. */
export const fresh = (local: string): string => `${local}.${++serial}@example.com`;

/** The Postfix "user unknown" fixture's recipient. */
export const ANN = 'ann@example.com';

/** The Postfix "user unknown" fixture about `email`, by VERP unless `target` says otherwise. */
export const userUnknown = (
  email: SentEmail,
  target: ReportTarget = { verp: email.verp },
): Buffer => reportAbout('postfix-user-unknown', { ...target, recipient: [ANN, email.to] });
