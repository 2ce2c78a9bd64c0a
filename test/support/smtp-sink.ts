import { ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, SMTPServerAddress, SMTPServerSession } from 'smtp-server';
import { freePort } from './redis';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
  parsed: ParsedMail;
  at: number;
}

type Waiter = { count: number; resolve: () => void };
/** Decides the reply to one RCPT TO; return an Error with responseCode to refuse. */
export type RcptHook = (address: string) => Error | undefined;
/** Decides the reply to DATA, before the message is kept. */
export type DataHook = () => Error | undefined;

export const smtpError = (responseCode: number, message: string): Error =>
  Object.assign(new Error(message), { responseCode });

/** A real SMTP server in-process; every accepted mail is parsed and kept in `mails`. */
export class SmtpSink {
  readonly mails: ReceivedMail[] = [];
  onRcpt?: RcptHook;
  /** Decides the reply to MAIL FROM, as onRcpt does to RCPT TO. */
  onMailFrom?: RcptHook;
  onData?: DataHook;
  /** Holds each 250 back this long, so tests can act while sends are in flight. */
  dataDelayMs = 0;
  /** Messages fully received whose 250 has not been given yet. */
  inFlight = 0;
  private waiters: Waiter[] = [];
  private inFlightWaiters: Waiter[] = [];
  private closedSessions = new Set<string>();
  private server?: SMTPServer;

  private constructor(
    readonly port: number,
    private readonly closeTimeoutMs?: number,
  ) {}

  /**
   * `closeTimeoutMs`: how long close() lets open sessions (a client's idle pooled connections)
   * live before it hangs up on them; smtp-server's own default (30 s) unless given.
   */
  static async start(port?: number, closeTimeoutMs?: number): Promise<SmtpSink> {
    const sink = new SmtpSink(port ?? (await freePort()), closeTimeoutMs);
    await sink.listen();
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      closeTimeout: this.closeTimeoutMs,
      onMailFrom: (address: SMTPServerAddress, _session, callback) =>
        callback(this.onMailFrom?.(address.address) ?? undefined),
      onRcptTo: (address: SMTPServerAddress, _session, callback) =>
        callback(this.onRcpt?.(address.address) ?? undefined),
      onData: (stream, session, callback) => this.receive(stream, session, callback),
      onClose: (session) => this.closedSessions.add(session.id),
    });
    // A client killed mid-session (the fault suites do that) resets its socket; smtp-server
    // reports it as an 'error' event, which must not crash the test process.
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once `count` mails in all have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 15_000): Promise<ReceivedMail[]> {
    if (this.mails.length >= count) return Promise.resolve(this.mails.slice(0, count));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`expected ${count} mails, got ${this.mails.length} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.mails.slice(0, count));
        },
      });
    });
  }

  /** Resolves once at least `count` messages are in flight at the same time. */
  waitForInFlight(count: number, timeoutMs = 15_000): Promise<void> {
    if (this.inFlight >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`never ${count} sends in flight`)),
        timeoutMs,
      );
      this.inFlightWaiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Mails whose subject starts with `prefix`, and how many arrived more than once. */
  tally(prefix: string): { mails: ReceivedMail[]; unique: number; duplicates: number } {
    const mails = this.mails.filter((mail) => mail.parsed.subject?.startsWith(prefix));
    const unique = new Set(mails.map((mail) => mail.parsed.messageId)).size;
    return { mails, unique, duplicates: mails.length - unique };
  }

  /** Resolves once `count` distinct messages with subjects starting with `prefix` arrived. */
  async waitForUnique(prefix: string, count: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.tally(prefix).unique < count) {
      if (Date.now() > deadline)
        throw new Error(`${prefix}: ${this.tally(prefix).unique} of ${count} arrived`);
      await this.waitFor(this.mails.length + 1, deadline - Date.now());
    }
  }

  bySubject(subject: string): ReceivedMail[] {
    return this.mails.filter((mail) => mail.parsed.subject === subject);
  }

  private receive(
    stream: NodeJS.ReadableStream,
    session: SMTPServerSession,
    callback: (error?: Error) => void,
  ): void {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const refusal = this.onData?.();
      if (refusal) return callback(refusal);
      const raw = Buffer.concat(chunks);
      const envelope = session.envelope;
      this.setInFlight(+1);
      setTimeout(() => {
        this.setInFlight(-1);
        // A client that hung up before the 250 did not send the mail: a real MTA drops it too.
        if (this.closedSessions.has(session.id)) return callback(new Error('client went away'));
        simpleParser(raw).then((parsed) => {
          const from = envelope.mailFrom ? envelope.mailFrom.address : '';
          const to = envelope.rcptTo.map((r) => r.address);
          this.mails.push({ from, to, raw, parsed, at: Date.now() });
          this.waiters = this.waiters.filter((waiter) =>
            this.mails.length >= waiter.count ? (waiter.resolve(), false) : true,
          );
          callback();
        }, callback);
      }, this.dataDelayMs);
    });
  }

  private setInFlight(change: number): void {
    this.inFlight += change;
    this.inFlightWaiters = this.inFlightWaiters.filter((waiter) =>
      this.inFlight >= waiter.count ? (waiter.resolve(), false) : true,
    );
  }
}
