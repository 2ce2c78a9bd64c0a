import { once } from 'node:events';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_KEY } from './support/fixtures';
import { useStack } from './support/service';

const request = {
  email_to: 'ann@example.com',
  email_from: 'no-reply@shop.example',
  subject: 'During outage',
  message: { text: 'x' },
};
const TIMEOUT_MS = 1000;
/** What a 503 may take beyond REDIS_TIMEOUT_MS: the answer itself, on a loaded CI machine. */
const SLACK_MS = 400;

describe('Redis unreachable', () => {
  const outbox = mkdtempSync(join(tmpdir(), 'mail-outbox-'));

  const stack = useStack(
    () => ({
      OUTBOX_DIR: outbox,
      API_KEYS: `app:${APP_KEY}`,
      REDIS_TIMEOUT_MS: String(TIMEOUT_MS),
      // No rate limit: the idempotency claim or the write is then a request's first Redis call.
      RATE_LIMIT_PER_MINUTE: '0',
    }),
    { smtp: false },
  );

  /** Each request of the list, one after the other, must be a 503 within REDIS_TIMEOUT_MS. */
  async function expectPrompt503s(): Promise<void> {
    const requests: [string, object, string?][] = [
      ['/send-email/', request],
      ['/send-email/', request, 'outage-1'],
      ['/send-email/batch', { emails: [request, request] }],
      ['/send-email/batch', { emails: [request] }, 'outage-2'],
    ];
    for (const [path, body, idempotencyKey] of requests) {
      const started = Date.now();
      const call = stack.service.http.post(path).set('X-API-Key', APP_KEY);
      if (idempotencyKey) void call.set('Idempotency-Key', idempotencyKey);
      const response = await call.send(body).expect(503);
      const ms = Date.now() - started;
      expect({ path, idempotencyKey, prompt: ms < TIMEOUT_MS + SLACK_MS }).toEqual({
        path,
        idempotencyKey,
        prompt: true,
      });
      expect(response.body).toMatchObject({ statusCode: 503, code: 'queue_unavailable' });
      expect(response.headers['retry-after']).toBeDefined();
    }
  }

  it('answers every POST 503 within REDIS_TIMEOUT_MS and accepts nothing, then recovers without a restart', async () => {
    await stack.redis.kill();
    await expectPrompt503s();
    const status = await stack.service.http
      .get('/send-email/00000000-0000-4000-8000-000000000000')
      .set('X-API-Key', APP_KEY)
      .expect(503);
    expect(status.body.code).toBe('queue_unavailable');

    await stack.redis.restart();
    if (stack.service.queue.client.status !== 'ready')
      await once(stack.service.queue.client, 'ready');
    const { body } = await stack.service.http
      .post('/send-email/')
      .set('X-API-Key', APP_KEY)
      .send({ ...request, subject: 'After outage' })
      .expect(202);
    await stack.service.finished(body.id);
    expect(readdirSync(outbox)).toHaveLength(1);
    expect(await stack.service.queue.getJobCounts()).toMatchObject({
      completed: 1,
      failed: 0,
      waiting: 0,
    });
  });

  it('answers 503 within REDIS_TIMEOUT_MS while Redis hangs, and sends none of those mails once it wakes', async () => {
    const before = await stack.service.queue.getJobCounts();
    stack.redis.freeze();
    try {
      await expectPrompt503s();
    } finally {
      stack.redis.thaw();
    }
    // The commands held in the socket run now: each job finds its status record removed
    // (the removal follows the add on the same connection) and is dropped unsent.
    const added = await waitFor(async () => {
      const counts = await stack.service.queue.getJobCounts();
      const done = counts.completed + counts.failed - before.completed - before.failed;
      return counts.waiting + counts.active === 0 && done > 0 ? done : undefined;
    });
    const jobs = await stack.service.queue.getCompleted();
    const dropped = jobs.filter((job) => (job.returnvalue as { skipped?: string })?.skipped);
    expect(dropped.length).toBe(added);
    expect(readdirSync(outbox)).toHaveLength(1);
  });
});

/** Polls a condition on the queue's state until it yields a value (10 s at most). */
async function waitFor<T>(check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
