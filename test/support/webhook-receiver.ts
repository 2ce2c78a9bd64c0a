import { randomBytes } from 'node:crypto';
import { IncomingHttpHeaders, Server, ServerResponse, createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { freePort } from './redis';

/** One POST as it arrived. */
export interface ReceivedEvent {
  headers: IncomingHttpHeaders;
  raw: string;
  /** The parsed body; `data` is the email's fields. */
  body: { type: string; timestamp: string; data: Record<string, unknown> };
  /** The status this receiver answered it with. */
  answered: number;
}

/** A fresh `whsec_` secret of 32 random bytes. */
/** Matches the events of email `id` (of `type`, if given). */
export const eventOf =
  (id: string, type?: string) =>
  (event: ReceivedEvent): boolean =>
    event.body.data.email_id === id && (type === undefined || event.body.type === type);

export const webhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

type Waiter = { match: (event: ReceivedEvent) => boolean; count: number; resolve: () => void };

/**
 * A real HTTP endpoint in-process, as an app would run one: it checks every signature with
 * the reference library (standardwebhooks), keeps what arrived, and answers what `answer`
 * says (200 unless told). `stop()` and `start()` on the same port make it go away and return.
 * A POST answered 'hang' is held open, unanswered (`hanging` counts those), until `release()`
 * answers it, its sender gives up, or `stop()` destroys its connection.
 */
export class WebhookReceiver {
  readonly events: ReceivedEvent[] = [];
  /** Signatures the reference library refused; a test expects none. */
  readonly forged: string[] = [];
  answer: (event: ReceivedEvent) => number | 'hang' = () => 200;
  readonly secret = webhookSecret();
  private server?: Server;
  private waiters: Waiter[] = [];
  /** The POSTs held open ('hang'), with what arrived in each. */
  private readonly held = new Map<ServerResponse, ReceivedEvent>();
  private readonly verifier = new Webhook(this.secret);

  private constructor(readonly port: number) {}

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(await freePort());
    await receiver.start();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      // Bytes, decoded once whole: a character split across two chunks stays one character.
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const event = this.receive(request.headers, Buffer.concat(chunks).toString('utf8'));
        const status = this.answer(event);
        if (status !== 'hang') return this.respond(response, event, status);
        this.held.set(response, event);
        response.on('close', () => this.held.delete(response));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  /** POSTs held open ('hang') right now: arrived, unanswered, their connection still up. */
  get hanging(): number {
    return this.held.size;
  }

  /** Answers every POST held open with `status`, recorded in `events` as any other answer. */
  release(status = 200): void {
    for (const [response, event] of [...this.held]) {
      this.held.delete(response);
      this.respond(response, event, status);
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const response of this.held.keys()) response.socket?.destroy();
    this.held.clear();
    server?.closeAllConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The events answered 2xx that `match`, as an app would act on them. */
  delivered(match: (event: ReceivedEvent) => boolean = () => true): ReceivedEvent[] {
    return this.events.filter((event) => event.answered < 300 && match(event));
  }

  /** Resolves once `count` POSTs (answered with anything) match; rejects after `timeoutMs`. */
  waitFor(match: (event: ReceivedEvent) => boolean, count = 1, timeoutMs = 15_000): Promise<void> {
    if (this.events.filter(match).length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`expected ${count} matching events, got ${this.events.filter(match).length}`),
          ),
        timeoutMs,
      );
      this.waiters.push({ match, count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  private respond(response: ServerResponse, event: ReceivedEvent, status: number): void {
    event.answered = status;
    this.events.push(event);
    response.writeHead(status).end();
    this.notify();
  }

  private receive(headers: IncomingHttpHeaders, raw: string): ReceivedEvent {
    try {
      this.verifier.verify(raw, headers as Record<string, string>);
    } catch (error) {
      this.forged.push(`${String(headers['webhook-id'])}: ${(error as Error).message}`);
    }
    return { headers, raw, body: JSON.parse(raw) as ReceivedEvent['body'], answered: 0 };
  }

  private notify(): void {
    this.waiters = this.waiters.filter((waiter) => {
      const done = this.events.filter(waiter.match).length >= waiter.count;
      if (done) waiter.resolve();
      return !done;
    });
  }
}
