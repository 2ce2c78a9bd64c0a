import { APP_KEY, acceptedId, textMail } from './support/fixtures';
import { freePort } from './support/redis';
import { ProcessService, useStack } from './support/service';
import { WebhookReceiver } from './support/webhook-receiver';

/**
 * The built service as production runs it (the supervisor, its API and worker processes),
 * killed with SIGKILL while every event still waits for an endpoint that is down: none lost.
 */
describe('webhook events survive a kill -9 (child processes)', () => {
  const stack = useStack(null, { mode: 'process', redis: { aof: true } });
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(() => receiver.stop());

  const start = (port: number): Promise<ProcessService> =>
    stack.start({
      PORT: String(port),
      API_KEYS: `app:${APP_KEY}`,
      API_PROCESSES: '1',
      WORKER_PROCESSES: '2',
      WORKER_CONCURRENCY: '4',
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: receiver.secret,
      WEBHOOK_BACKOFF_MS: '200',
      JOB_LOCK_MS: '2000',
      LOG_LEVEL: 'info',
    });

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
    expect(await first.kill('SIGKILL')).toBe('SIGKILL');
    await receiver.start();
    await start(port);
    for (const id of ids) await receiver.waitFor((event) => event.body.data.email_id === id);
    const delivered = receiver.delivered();
    expect(new Set(delivered.map((event) => event.headers['webhook-id'])).size).toBe(ids.length);
    expect(delivered.every((event) => event.body.type === 'email.sent')).toBe(true);
    expect(receiver.forged).toEqual([]);
  });
});
