import Bull from 'bull';
import { EMAIL_QUEUE } from '../src/email/store/email.constants';
import { APP_KEY } from './support/app';
import { TestRedis, freePort } from './support/redis';
import { LogLine, ServiceProcess } from './support/service';
import { SmtpSink } from './support/smtp-sink';

const CONCURRENCY = 4;

/** 2 api + 2 worker processes of the built service sharing one private Redis. */
describe('scale-out: several api and worker processes on one Redis', () => {
  let redis: TestRedis;
  let smtp: SmtpSink;
  let queue: Bull.Queue;
  const apis: { port: number; service: ServiceProcess }[] = [];
  const workers: { port: number; service: ServiceProcess }[] = [];
  const report: string[] = [];

  async function start(role: 'api' | 'worker', port: number): Promise<ServiceProcess> {
    const service = ServiceProcess.start({
      ROLE: role,
      PORT: String(port),
      HEALTH_PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: redis.url,
      QUEUE_PREFIX: 'scale',
      SMTP_URL: smtp.url,
      API_KEYS: `app:${APP_KEY}`,
      WORKER_CONCURRENCY: String(CONCURRENCY),
      JOB_LOCK_MS: '2000',
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'info',
    });
    await service.ready();
    if (role === 'worker') await service.waitForLog((line) => line.msg === 'worker started');
    return service;
  }

  beforeAll(async () => {
    redis = await TestRedis.start();
    smtp = await SmtpSink.start();
    for (const role of ['api', 'api', 'worker', 'worker'] as const) {
      const port = await freePort();
      (role === 'api' ? apis : workers).push({ port, service: await start(role, port) });
    }
    queue = new Bull(EMAIL_QUEUE, redis.url, { prefix: 'scale' });
  });

  afterAll(async () => {
    await Promise.all([...apis, ...workers].map(({ service }) => service.kill('SIGTERM')));
    await queue?.close();
    await smtp?.close();
    await redis?.stop();
    process.stdout.write(`\nScale-out:\n${report.join('\n')}\n`);
  });

  /** Posts `count` mails alternately to both apis; returns their ids in acceptance order. */
  async function post(prefix: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const { port } = apis[i % apis.length];
      const response = await fetch(`http://127.0.0.1:${port}/send-email/`, {
        method: 'POST',
        headers: { 'X-API-Key': APP_KEY, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          email_to: 'ann@example.com',
          email_from: 'no-reply@shop.example',
          subject: `${prefix} ${i}`,
          message: { text: String(i) },
        }),
      });
      expect(response.status).toBe(202);
      ids.push(((await response.json()) as { id: string }).id);
    }
    return ids;
  }

  const sentBy = (service: ServiceProcess, ids: Set<string>): number =>
    service.lines.filter((line: LogLine) => line.msg === 'sent' && ids.has(String(line.job_id)))
      .length;

  it('delivers 300 mails posted to two apis exactly once, sent by both workers, in FIFO order within the concurrency', async () => {
    const ids = await post('Scale', 300);
    await smtp.waitForUnique('Scale ', 300, 60_000);
    const { unique, duplicates } = smtp.tally('Scale ');
    expect({ unique, duplicates }).toEqual({ unique: 300, duplicates: 0 });
    const idSet = new Set(ids);
    // A mail can reach the sink a moment before its worker's "sent" line reaches us.
    await Promise.all(
      ids.map(async (id) => (await queue.getJob(id))!.finished() as Promise<unknown>),
    );
    await Promise.all(
      ids.map((id) =>
        Promise.any(
          workers.map(({ service }) =>
            service.waitForLog((line) => line.msg === 'sent' && line.job_id === id, 5000),
          ),
        ),
      ),
    );
    const perWorker = workers.map(({ service }) => sentBy(service, idSet));
    expect(perWorker.every((n) => n > 0)).toBe(true);
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(300);
    // FIFO: jobs start in acceptance order; only the sends running side by side (2 workers ×
    // concurrency) may start out of turn.
    const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
    const byStart = jobs
      .map((job, accepted) => ({ accepted, started: job!.processedOn! }))
      .sort((a, b) => a.started - b.started || a.accepted - b.accepted);
    const drift = Math.max(...byStart.map((job, position) => Math.abs(job.accepted - position)));
    expect(drift).toBeLessThanOrEqual(2 * CONCURRENCY);
    report.push(
      `  300 mails over 2 apis: ${unique} delivered, ${duplicates} duplicated; worker sends ${perWorker.join(' + ')}; largest start-order drift ${drift}`,
    );
  });

  it('loses nothing when one worker is killed mid-stream', async () => {
    const ids = await post('Killed', 120);
    await smtp.waitForUnique('Killed ', 30, 30_000);
    const victim = workers[1].service;
    expect(await victim.kill('SIGKILL')).toBe('SIGKILL');
    await smtp.waitForUnique('Killed ', 120, 60_000);
    const { unique, duplicates } = smtp.tally('Killed ');
    expect(unique).toBe(120);
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY);
    // Jobs the killed worker held complete once their locks expire and a live worker takes them.
    await Promise.all(
      ids.map(async (id) => (await queue.getJob(id))!.finished() as Promise<unknown>),
    );
    report.push(
      `  120 mails, one worker SIGKILLed after 30: ${unique} delivered, ${duplicates} duplicated`,
    );
  });

  it('serves only /health and /metrics on a worker’s HEALTH_PORT', async () => {
    const { port } = workers[0];
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^emails_sent_total [1-9]\d*$/m);
    const api = await fetch(`http://127.0.0.1:${port}/send-email/`, {
      method: 'POST',
      headers: { 'X-API-Key': APP_KEY },
    });
    expect(api.status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
  });

  it('does not consume jobs in an api process', () => {
    for (const { service } of apis)
      expect(
        service.lines.some((line) => line.msg === 'sent' || line.msg === 'worker started'),
      ).toBe(false);
  });
});
