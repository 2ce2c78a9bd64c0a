import type Bull from 'bull';
import { APP_KEY, textMail } from './support/fixtures';
import { freePort } from './support/redis';
import { ProcessService, useStack } from './support/service';
import { smtpError } from './support/smtp-sink';

/**
 * The built service as a real process, against a private redis-server and an SMTP sink that
 * can be stopped, slowed down or made to refuse. Each scenario uses its own queue prefix.
 */
describe('delivery under faults (child processes)', () => {
  const stack = useStack(null, { mode: 'process', redis: { aof: true } });
  const report: string[] = [];
  afterEach(() => {
    stack.smtp.onData = undefined;
    stack.smtp.onRcpt = undefined;
    stack.smtp.dataDelayMs = 0;
  });

  afterAll(() => {
    process.stdout.write(`\nDelivery under faults:\n${report.join('\n')}\n`);
  });

  /**
   * The service on `port` (a restart keeps the port) with the scenario's queue prefix, as
   * production starts it (ROLE unset: the supervisor with its API and worker processes). The
   * process counts are given rather than taken from the CPU count, so each scenario runs the
   * same everywhere: one API process and two worker processes of 2 sends each. A SIGKILL hits
   * the supervisor, whose processes exit with it (node:cluster), as a lone process would.
   */
  function startService(
    prefix: string,
    port: number,
    env: Record<string, string> = {},
  ): Promise<ProcessService> {
    return stack.start({
      PORT: String(port),
      QUEUE_PREFIX: prefix,
      API_KEYS: `app:${APP_KEY}`,
      WORKER_CONCURRENCY: '4',
      API_PROCESSES: '1',
      WORKER_PROCESSES: '2',
      SEND_ATTEMPTS: '10',
      SEND_BACKOFF_MS: '100',
      SEND_BACKOFF_MAX_MS: '800',
      JOB_LOCK_MS: '2000',
      SMTP_TIMEOUT_MS: '2000',
      REDIS_TIMEOUT_MS: '1000',
      SHUTDOWN_GRACE_MS: '8000',
      LOG_LEVEL: 'info',
      ...env,
    });
  }

  /** A Bull handle on the scenario's queue, to wait on job events across processes. */
  const queueOf = (prefix: string): Bull.Queue => stack.queue(prefix);

  async function post(port: number, subject: string, to = 'ann@example.com'): Promise<Response> {
    return fetch(`http://127.0.0.1:${port}/send-email/`, {
      method: 'POST',
      headers: { 'X-API-Key': APP_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify(textMail(subject, { email_to: to })),
    });
  }

  async function accept(port: number, prefix: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const response = await post(port, `${prefix} ${i}`);
      expect(response.status).toBe(202);
      ids.push(((await response.json()) as { id: string }).id);
    }
    return ids;
  }

  /** Resolves when every job has completed (Bull events across processes). */
  async function finished(queue: Bull.Queue, ids: string[]): Promise<void> {
    await Promise.all(
      ids.map(async (id) => (await queue.getJob(id))!.finished() as Promise<unknown>),
    );
  }

  async function statusOf(port: number, id: string): Promise<Record<string, unknown>> {
    const response = await fetch(`http://127.0.0.1:${port}/send-email/${id}`, {
      headers: { 'X-API-Key': APP_KEY },
    });
    return (await response.json()) as Record<string, unknown>;
  }

  it('SMTP down while 25 are accepted, then back: all delivered once', async () => {
    const prefix = 'smtp-down';
    const port = await freePort();
    await stack.smtp.close();
    const service = await startService(prefix, port);
    const ids = await accept(port, prefix, 25);
    await service.waitForLog((line) => line.msg === 'send failed; will retry');
    await stack.smtp.listen();
    await stack.smtp.waitForUnique(prefix, 25);
    const queue = queueOf(prefix);
    await finished(queue, ids);
    const { mails, unique, duplicates } = stack.smtp.tally(prefix);
    expect({ unique, duplicates }).toEqual({ unique: 25, duplicates: 0 });
    for (const id of ids) expect(await statusOf(port, id)).toMatchObject({ status: 'sent' });
    report.push(
      `  SMTP down: accepted 25, delivered ${unique}, duplicated ${duplicates} (${mails.length} arrivals)`,
    );
    await service.kill('SIGTERM');
  });

  it('451 twice, then 250: sent on attempt 3', async () => {
    const prefix = 'greylist';
    const port = await freePort();
    const service = await startService(prefix, port);
    let refusals = 0;
    stack.smtp.onData = () =>
      refusals++ < 2 ? smtpError(451, '451 4.7.1 Greylisted, try again') : undefined;
    const [id] = await accept(port, prefix, 1);
    await (await queueOf(prefix).getJob(id))!.finished();
    expect(await statusOf(port, id)).toMatchObject({
      status: 'sent',
      attempts: 3,
      error: expect.stringContaining('451'),
    });
    expect(stack.smtp.tally(prefix)).toMatchObject({ unique: 1, duplicates: 0 });
    report.push('  451 twice: sent on attempt 3');
    await service.kill('SIGTERM');
  });

  it('550: failed after 1 attempt, with the SMTP reply, and kept in Bull', async () => {
    const prefix = 'hardbounce';
    const port = await freePort();
    const service = await startService(prefix, port);
    stack.smtp.onRcpt = () => smtpError(550, '550 5.1.1 No such user here');
    const [id] = await accept(port, prefix, 1);
    const queue = queueOf(prefix);
    await expect((await queue.getJob(id))!.finished()).rejects.toThrow(/550/);
    expect(await statusOf(port, id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: expect.stringMatching(/^550 .*No such user/),
    });
    expect(await (await queue.getJob(id))!.getState()).toBe('failed');
    expect(stack.smtp.tally(prefix).unique).toBe(0);
    report.push('  550: failed after 1 attempt');
    await service.kill('SIGTERM');
  });

  it('some recipients refused: sent to the others, the refused ones recorded', async () => {
    const prefix = 'partial';
    const port = await freePort();
    const service = await startService(prefix, port);
    stack.smtp.onRcpt = (address) =>
      address.startsWith('gone@') ? smtpError(550, '550 5.1.1 Gone') : undefined;
    const response = await fetch(`http://127.0.0.1:${port}/send-email/`, {
      method: 'POST',
      headers: { 'X-API-Key': APP_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        email_to: ['ann@example.com', 'gone@example.com'],
        email_from: 'no-reply@shop.example',
        subject: prefix,
        message: { text: 'x' },
      }),
    });
    const { id } = (await response.json()) as { id: string };
    await (await queueOf(prefix).getJob(id))!.finished();
    expect(await statusOf(port, id)).toMatchObject({
      status: 'sent',
      attempts: 1,
      rejected: ['gone@example.com'],
    });
    expect(stack.smtp.tally(prefix).mails[0].to).toEqual(['ann@example.com']);
    await service.kill('SIGTERM');
  });

  it('SIGKILL with sends in flight: after a restart all are delivered, duplicates bounded by the in-flight count', async () => {
    const prefix = 'sigkill';
    const port = await freePort();
    stack.smtp.dataDelayMs = 300;
    const service = await startService(prefix, port);
    const ids = await accept(port, prefix, 16);
    await stack.smtp.waitForInFlight(4);
    const inFlight = stack.smtp.inFlight;
    expect(await service.kill('SIGKILL')).toBe('SIGKILL');
    stack.smtp.dataDelayMs = 0;
    const restarted = await startService(prefix, port);
    await stack.smtp.waitForUnique(prefix, 16);
    const queue = queueOf(prefix);
    await finished(queue, ids);
    const { mails, unique, duplicates } = stack.smtp.tally(prefix);
    expect(unique).toBe(16);
    expect(duplicates).toBeLessThanOrEqual(inFlight);
    for (const id of ids) expect(await statusOf(port, id)).toMatchObject({ status: 'sent' });
    // One Message-ID per job across attempts: a receiver can recognise any duplicate.
    expect(new Set(mails.map((mail) => mail.parsed.messageId)).size).toBe(16);
    report.push(
      `  SIGKILL: accepted 16, ${inFlight} in flight at the kill, delivered ${unique}, duplicated ${duplicates}`,
    );
    await restarted.kill('SIGTERM');
  });

  it('Redis (AOF) killed and restarted with mail waiting: all delivered, no restart of the service', async () => {
    const prefix = 'redis-restart';
    const port = await freePort();
    await stack.smtp.close();
    const service = await startService(prefix, port);
    const ids = await accept(port, prefix, 10);
    await service.waitForLog((line) => line.msg === 'send failed; will retry');
    await stack.redis.kill();
    await service.waitForLog(
      (line) => typeof line.msg === 'string' && line.msg.startsWith('redis unreachable'),
    );
    await stack.redis.restart();
    await service.waitForLog((line) => line.msg === 'redis reachable again');
    await stack.smtp.listen();
    await stack.smtp.waitForUnique(prefix, 10);
    const { unique, duplicates } = stack.smtp.tally(prefix);
    expect({ unique, duplicates }).toEqual({ unique: 10, duplicates: 0 });
    const queue = queueOf(prefix);
    await finished(queue, ids);
    for (const id of ids) expect(await statusOf(port, id)).toMatchObject({ status: 'sent' });
    report.push(`  Redis restart: accepted 10, delivered ${unique}, duplicated ${duplicates}`);
    await service.kill('SIGTERM');
  });

  it('Redis down: 503 within 3 s and nothing accepted, then recovery', async () => {
    const prefix = 'redis-down';
    const port = await freePort();
    const service = await startService(prefix, port);
    await stack.redis.kill();
    const started = Date.now();
    const response = await post(port, `${prefix} refused`);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'queue_unavailable' });
    await stack.redis.restart();
    await service.waitForLog((line) => line.msg === 'redis reachable again');
    const [id] = await accept(port, prefix, 1);
    await (await queueOf(prefix).getJob(id))!.finished();
    expect(stack.smtp.tally(prefix).mails.map((mail) => mail.parsed.subject)).toEqual([
      `${prefix} 0`,
    ]);
    await service.kill('SIGTERM');
  });

  it('SIGTERM with sends in flight: exit 0, in-flight sends finish, nothing lost', async () => {
    const prefix = 'sigterm';
    const port = await freePort();
    stack.smtp.dataDelayMs = 400;
    const service = await startService(prefix, port);
    const ids = await accept(port, prefix, 12);
    await stack.smtp.waitForInFlight(2);
    const inFlight = stack.smtp.inFlight;
    expect(await service.kill('SIGTERM')).toBe(0);
    const afterStop = stack.smtp.tally(prefix).unique;
    expect(afterStop).toBeGreaterThanOrEqual(inFlight);
    expect(service.lines.map((line) => line.msg)).toContain('stopped');
    // Each process drained and stopped, the supervisor last ("stopped without a clean close
    // after 5000 ms" counts: a loaded CI machine can take that long to close Redis and SMTP).
    const stopped = service.lines.filter((line) => /^stopped/.test(String(line.msg)));
    const processes = stopped.map((line) => line.process).sort();
    // On a failure, what the processes said last tells a crash from a lost line.
    if (processes.length !== 4)
      console.log(service.lines.slice(-20).map((l) => [l.process, l.msg]));
    expect(processes).toEqual(['api-1', 'supervisor', 'worker-1', 'worker-2']);
    expect(service.lines.at(-1)).toMatchObject({ process: 'supervisor', msg: 'stopped' });
    stack.smtp.dataDelayMs = 0;
    const restarted = await startService(prefix, port);
    await stack.smtp.waitForUnique(prefix, 12);
    const queue = queueOf(prefix);
    await finished(queue, ids);
    const { unique, duplicates } = stack.smtp.tally(prefix);
    expect({ unique, duplicates }).toEqual({ unique: 12, duplicates: 0 });
    report.push(
      `  SIGTERM: accepted 12, ${inFlight} in flight, ${afterStop} sent before exit 0, all ${unique} delivered, duplicated ${duplicates}`,
    );
    await restarted.kill('SIGTERM');
  });
});
