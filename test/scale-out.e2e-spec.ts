import type Bull from 'bull';
import { APP_KEY } from './support/fixtures';
import { LogLine, ProcessService, useStack } from './support/service';

const CONCURRENCY = 4;

/** 2 api + 2 worker processes of the built service sharing one private Redis. */
describe('scale-out: several api and worker processes on one Redis', () => {
  const stack = useStack(null, { mode: 'process' });
  let queue: Bull.Queue;
  const apis: ProcessService[] = [];
  const workers: ProcessService[] = [];
  const report: string[] = [];

  async function start(role: 'api' | 'worker'): Promise<ProcessService> {
    const service = await stack.start({
      ROLE: role,
      QUEUE_PREFIX: 'scale',
      API_KEYS: `app:${APP_KEY}`,
      WORKER_CONCURRENCY: String(CONCURRENCY),
      JOB_LOCK_MS: '2000',
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'info',
    });
    if (role === 'worker') await service.waitForLog((line) => line.msg === 'worker started');
    return service;
  }

  beforeAll(async () => {
    for (const role of ['api', 'api', 'worker', 'worker'] as const)
      (role === 'api' ? apis : workers).push(await start(role));
    queue = stack.queue('scale');
  });

  afterAll(() => {
    process.stdout.write(`\nScale-out:\n${report.join('\n')}\n`);
  });

  /** Posts `count` mails alternately to both apis; returns their ids in acceptance order. */
  async function post(prefix: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const { url } = apis[i % apis.length];
      const response = await fetch(`${url}/send-email/`, {
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

  const sentBy = (service: ProcessService, ids: Set<string>): number =>
    service.lines.filter((line: LogLine) => line.msg === 'sent' && ids.has(String(line.job_id)))
      .length;

  it('delivers 300 mails posted to two apis exactly once, sent by both workers, in FIFO order within the concurrency', async () => {
    const ids = await post('Scale', 300);
    await stack.smtp.waitForUnique('Scale ', 300, 60_000);
    const { unique, duplicates } = stack.smtp.tally('Scale ');
    expect({ unique, duplicates }).toEqual({ unique: 300, duplicates: 0 });
    const idSet = new Set(ids);
    // A mail can reach the sink a moment before its worker's "sent" line reaches us.
    await Promise.all(
      ids.map(async (id) => (await queue.getJob(id))!.finished() as Promise<unknown>),
    );
    await Promise.all(
      ids.map((id) =>
        Promise.any(
          workers.map((service) =>
            service.waitForLog((line) => line.msg === 'sent' && line.job_id === id, 5000),
          ),
        ),
      ),
    );
    const perWorker = workers.map((service) => sentBy(service, idSet));
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
    await stack.smtp.waitForUnique('Killed ', 30, 30_000);
    const victim = workers[1];
    expect(await victim.kill('SIGKILL')).toBe('SIGKILL');
    await stack.smtp.waitForUnique('Killed ', 120, 60_000);
    const { unique, duplicates } = stack.smtp.tally('Killed ');
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
    const { url } = workers[0];
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^emails_sent_total\{transport="default"\} [1-9]\d*$/m);
    const api = await fetch(`${url}/send-email/`, {
      method: 'POST',
      headers: { 'X-API-Key': APP_KEY },
    });
    expect(api.status).toBe(404);
    expect((await fetch(`${url}/`)).status).toBe(404);
  });

  it('does not consume jobs in an api process', () => {
    for (const service of apis)
      expect(
        service.lines.some((line) => line.msg === 'sent' || line.msg === 'worker started'),
      ).toBe(false);
  });
});
