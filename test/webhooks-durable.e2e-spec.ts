import { APP_KEY, acceptedId, textMail } from './support/fixtures';
import { freePort } from './support/redis';
import { Env, ProcessService, useStack } from './support/service';
import { ReceivedEvent, WebhookReceiver } from './support/webhook-receiver';
import { until } from './support/poll';

/** Longest a killed worker's held event waits for Bull: the timeout, 15 s, Bull's poll. */
const HELD_MS = 1000 + 15_000 + 5000 + 5000;

/**
 * kill -9 of the whole service, as a container's kill does it: the supervisor and, in the same
 * instant, each of its processes (their pids from their log lines). Killed only with their
 * supervisor, a process whose log lines are still buffered can hang for ever in its exit flush
 * (pino's sonic-boom retries the write to the dead pipe), its SMTP connections left open.
 */
async function killAll(service: ProcessService): Promise<void> {
  const pids = new Map<string, number>();
  for (const line of service.lines)
    if (line.process !== 'supervisor' && typeof line.pid === 'number')
      pids.set(String(line.process), line.pid);
  const exited = service.kill('SIGKILL');
  for (const pid of pids.values()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited already
    }
  }
  expect(await exited).toBe('SIGKILL');
}

/**
 * The built service as production runs it (the supervisor, its API and worker processes),
 * killed with SIGKILL: once while every event still waits for an endpoint that is down, once
 * while sends are in flight. No event is lost.
 */
describe('webhook events survive a kill -9 (child processes)', () => {
  const stack = useStack(null, { mode: 'process', redis: { aof: true } });
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(() => receiver.stop());

  const start = (port: number, env: Env = {}): Promise<ProcessService> =>
    stack.start({
      PORT: String(port),
      API_KEYS: `app:${APP_KEY}`,
      API_PROCESSES: '1',
      WORKER_PROCESSES: '2',
      WORKER_CONCURRENCY: '4',
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: receiver.secret,
      // Short: an event that failed while the endpoint was down is soon tried again.
      WEBHOOK_BACKOFF_MS: '50',
      // Short: an event a killed worker held goes to Bull WEBHOOK_TIMEOUT_MS + 15 s later.
      WEBHOOK_TIMEOUT_MS: '1000',
      JOB_LOCK_MS: '2000',
      LOG_LEVEL: 'info',
      ...env,
    });
  const statusOf = async (service: ProcessService, id: string): Promise<string | undefined> => {
    const answer = await service.http.get(`/send-email/${id}`).set('X-API-Key', APP_KEY);
    return (answer.body as { status?: string }).status;
  };
  const email =
    (id: string, type?: string) =>
    (event: ReceivedEvent): boolean =>
      event.body.data.email_id === id && (type === undefined || event.body.type === type);

  it('delivers every event after a restart, each with its own webhook-id', async () => {
    await receiver.stop();
    const port = await freePort();
    const first = await start(port);
    const ids = await Promise.all(
      Array.from({ length: 8 }, (_, n) => acceptedId(first.http, textMail(`Durable ${n}`))),
    );
    await stack.smtp.waitFor(ids.length);
    // Each event is stored by the same script as its `sent`; a refused POST proves they run.
    await first.waitForLog((line) => line.msg === 'webhook failed; will retry');
    await killAll(first);
    await receiver.start();
    const second = await start(port);
    for (const id of ids) await receiver.waitFor(email(id), 1, HELD_MS);
    const delivered = receiver.delivered();
    expect(new Set(delivered.map((event) => event.headers['webhook-id'])).size).toBe(ids.length);
    expect(delivered.every((event) => event.body.type === 'email.sent')).toBe(true);
    expect(receiver.forged).toEqual([]);
    await killAll(second);
  }, 90_000);

  it('has one email.sent event for every email sent, when killed with sends in flight', async () => {
    // Queues of their own, and a sink that holds each 250 back, 200 to 800 ms: 250s (and so
    // status writes) come one by one while others are in flight.
    const env = { QUEUE_PREFIX: 'webhooks-durable-in-flight' };
    const port = await freePort();
    let mails = 0;
    stack.smtp.onData = () => {
      stack.smtp.dataDelayMs = 200 + ((mails++ * 7) % 4) * 200;
      return undefined;
    };
    const first = await start(port, env);
    const before = stack.smtp.mails.length;
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, n) => acceptedId(first.http, textMail(`In flight ${n}`))),
    );
    // Killed with some sent (their events stored), some in flight, the rest still queued, the
    // moment one more mail's status reads `sent`: its event must be stored by then.
    // (Events yield to sends in flight, so they may not have gone out yet: mails count here.)
    await stack.smtp.waitFor(before + 3);
    await stack.smtp.waitForInFlight(2);
    do {
      const mail = (await stack.smtp.waitFor(stack.smtp.mails.length + 1)).at(-1)!;
      const justSent = /^<([^@]+)@/.exec(mail.parsed.messageId ?? '')![1];
      // Looked at again at once: this aims the kill.
      await until(
        async () => ((await statusOf(first, justSent)) === 'sent' ? 1 : undefined),
        5000,
        0,
      );
    } while (stack.smtp.inFlight === 0);
    expect(stack.smtp.inFlight).toBeGreaterThan(0);
    await killAll(first);
    stack.smtp.onData = undefined;
    stack.smtp.dataDelayMs = 0;
    const second = await start(port, env);
    // Every email accepted ends sent (a mail cut off before its 250 is sent again)...
    for (const id of ids)
      await until(async () => ((await statusOf(second, id)) === 'sent' ? true : undefined));
    // ...and each has its email.sent event: one webhook-id, though it may come more than once.
    const missing = (): string[] =>
      ids.filter((id) => !receiver.events.some(email(id, 'email.sent')));
    await until(() => (missing().length === 0 ? true : undefined), HELD_MS).catch(() => undefined);
    expect(missing()).toEqual([]);
    const webhookIds = (id: string): string[] => [
      ...new Set(
        receiver.events.filter(email(id, 'email.sent')).map((e) => String(e.headers['webhook-id'])),
      ),
    ];
    expect(ids.map(webhookIds)).toEqual(ids.map((id) => [`evt_${id}_sent`]));
    expect(receiver.forged).toEqual([]);
    await killAll(second);
  }, 90_000);
});
