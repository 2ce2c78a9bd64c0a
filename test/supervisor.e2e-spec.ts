import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_KEY, acceptedId, textMail } from './support/fixtures';
import { LogLine, ProcessService, useStack } from './support/service';

/**
 * ROLE=all as production starts it (dist/main.js, ROLE unset): a supervisor and its API and
 * worker processes, against a private Redis and an SMTP sink.
 */

const fromProcess = (label: string) => (line: LogLine) => line.process === label;

/** The pid each process label had in the lines so far (its latest one). */
function pidsOf(service: ProcessService): Map<string, number> {
  const pids = new Map<string, number>();
  for (const line of service.lines) pids.set(String(line.process), Number(line.pid));
  return pids;
}

/** Whether `pid` still runs (a zombie, exited but not yet reaped by init, does not). */
function running(pid: number): boolean {
  try {
    if (!existsSync('/proc')) return process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Resolves once none of `pids` runs; rejects after `timeoutMs`. */
async function gone(pids: number[], timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(running)) {
    if (Date.now() > deadline) throw new Error(`still running: ${pids.filter(running).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A GET on a connection of its own (no keep-alive), so that the cluster deals it out afresh. */
function getOnNewConnection(url: string, requestId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false, headers: { 'X-Request-Id': requestId } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    }).on('error', reject);
  });
}

const post = (service: ProcessService, subject: string): Promise<string> =>
  acceptedId(service.http, textMail(subject));

async function metric(service: ProcessService, pattern: RegExp): Promise<number | undefined> {
  const { text } = await service.http.get('/metrics').expect(200);
  const match = pattern.exec(text);
  return match ? Number(match[1]) : undefined;
}

describe('ROLE=all: 2 api and 2 worker processes under the supervisor', () => {
  const logFile = join(mkdtempSync(join(tmpdir(), 'supervisor-logs-')), 'service.log');
  const stack = useStack<'process'>(
    () => ({
      API_KEYS: `app:${APP_KEY}`,
      API_PROCESSES: '2',
      WORKER_PROCESSES: '2',
      WORKER_CONCURRENCY: '4',
      JOB_LOCK_MS: '2000',
      SHUTDOWN_GRACE_MS: '8000',
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'info',
      LOG_FILE: logFile,
    }),
    { mode: 'process' },
  );
  const report: string[] = [];
  let service: ProcessService;

  beforeAll(async () => {
    service = stack.service;
    await service.waitForLog((line) => line.msg === 'all processes started');
  });

  afterAll(() => {
    process.stdout.write(`\nSupervisor:\n${report.join('\n')}\n`);
  });

  it('starts every process of the plan, each worker with its share of WORKER_CONCURRENCY', () => {
    const started = service.lines.find((line) => line.msg === 'all processes started');
    expect(started).toMatchObject({
      process: 'supervisor',
      processes: ['api-1', 'api-2', 'worker-1', 'worker-2'],
    });
    const workers = service.lines.filter((line) => line.msg === 'worker started');
    expect(workers.map(({ process, concurrency }) => ({ process, concurrency }))).toEqual(
      expect.arrayContaining([
        { process: 'worker-1', concurrency: 2 },
        { process: 'worker-2', concurrency: 2 },
      ]),
    );
    expect(workers).toHaveLength(2);
    // The API processes consume nothing.
    for (const label of ['api-1', 'api-2'])
      expect(service.lines.filter(fromProcess(label)).map((line) => line.msg)).not.toContain(
        'worker started',
      );
  });

  it('reports the worker processes in /health, beside Redis', async () => {
    const { body } = await service.http.get('/health').expect(200);
    expect(body).toMatchObject({
      status: 'ok',
      details: {
        redis: { status: 'up' },
        workers: { status: 'up', up: 2, configured: 2 },
      },
    });
  });

  it('serves HTTP from both API processes on the one port', async () => {
    const ids = Array.from({ length: 16 }, (_, i) => `spread-${i}`);
    for (const id of ids) expect(await getOnNewConnection(`${service.url}/health`, id)).toBe(200);
    const served = await Promise.all(
      ids.map((id) =>
        service.waitForLog(
          (line) => (line.req as { id?: string } | undefined)?.id === id && line.res !== undefined,
        ),
      ),
    );
    const labels = served.map((line) => String(line.process));
    expect(new Set(labels)).toEqual(new Set(['api-1', 'api-2']));
    report.push(
      `  16 connections: ${labels.filter((label) => label === 'api-1').length} to api-1, ${labels.filter((label) => label === 'api-2').length} to api-2`,
    );
  });

  it("counts the workers' sends in the API's /metrics (all processes aggregated)", async () => {
    const ids = await Promise.all(
      Array.from({ length: 6 }, (_, i) => post(service, `Counted ${i}`)),
    );
    await stack.smtp.waitForUnique('Counted ', 6);
    // The sink has the mail a moment before the worker counts it: wait for its "sent" lines.
    await Promise.all(
      ids.map((id) => service.waitForLog((line) => line.msg === 'sent' && line.job_id === id)),
    );
    const senders = new Set(
      service.lines.filter((line) => line.msg === 'sent').map((line) => line.process),
    );
    expect([...senders].every((label) => String(label).startsWith('worker-'))).toBe(true);
    expect(await metric(service, /^emails_sent_total\{transport="default"\} (\d+)$/m)).toBe(6);
    expect(await metric(service, /^supervised_processes_up\{kind="worker"\} (\d+)$/m)).toBe(2);
    // Counters of every process add up: both API processes' requests are in.
    const posts = await metric(
      service,
      /^http_request_duration_seconds_count\{method="POST",route="\/send-email",status="202"\} (\d+)$/m,
    );
    expect(posts).toBe(6);
    // A gauge every process reads (the queue) is not added up.
    expect(await metric(service, /^email_queue_jobs\{state="completed"\} (\d+)$/m)).toBe(6);
  });

  it('restarts a killed worker process, logs it, and still delivers every mail', async () => {
    stack.smtp.dataDelayMs = 300;
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, i) => post(service, `Restart ${i}`)),
    );
    await stack.smtp.waitForInFlight(3);
    const inFlight = stack.smtp.inFlight;
    const victim = pidsOf(service).get('worker-1')!;
    process.kill(victim, 'SIGKILL');
    const exit = await service.waitForLog(
      (line) =>
        line.process === 'supervisor' && line.child === 'worker-1' && line.signal === 'SIGKILL',
    );
    expect(exit).toMatchObject({
      level: 'error',
      child_pid: victim,
      exit_code: null,
      restart_in_ms: expect.any(Number),
    });
    stack.smtp.dataDelayMs = 0;
    const again = await service.waitForLog(
      (line) => line.process === 'worker-1' && line.msg === 'worker started' && line.pid !== victim,
    );
    expect(again.concurrency).toBe(2);
    // Its jobs in flight are taken up again once their locks (JOB_LOCK_MS) expire.
    await stack.smtp.waitForUnique('Restart ', 12, 30_000);
    const queue = stack.queue();
    // One at a time: Bull adds Redis listeners per finished() call still pending.
    for (const id of ids) await (await queue.getJob(id))!.finished();
    const { unique, duplicates } = stack.smtp.tally('Restart ');
    expect(unique).toBe(12);
    // At-least-once (SPEC §5): only a send the SMTP server had finished can come twice.
    expect(duplicates).toBeLessThanOrEqual(inFlight);
    expect(
      await metric(service, /^supervised_process_restarts_total\{kind="worker"\} (\d+)$/m),
    ).toBe(1);
    const { body } = await service.http.get('/health').expect(200);
    expect(body.details.workers).toEqual({ status: 'up', up: 2, configured: 2 });
    report.push(
      `  worker-1 SIGKILLed with ${inFlight} sends in flight: restarted in ${String(exit.restart_in_ms)} ms, 12 of 12 delivered, ${duplicates} duplicated`,
    );
  });

  it('on SIGTERM drains every process, delivers the sends in flight and exits 0', async () => {
    stack.smtp.dataDelayMs = 400;
    await Promise.all(Array.from({ length: 8 }, (_, i) => post(service, `Drain ${i}`)));
    await stack.smtp.waitForInFlight(2);
    const inFlight = stack.smtp.inFlight;
    const pids = [...pidsOf(service).values()];
    expect(await service.kill('SIGTERM')).toBe(0);
    stack.smtp.dataDelayMs = 0;
    const { unique, duplicates } = stack.smtp.tally('Drain ');
    expect(unique).toBeGreaterThanOrEqual(inFlight);
    expect(duplicates).toBe(0);
    const stopped = service.lines.filter((line) => line.msg === 'stopped');
    expect(stopped.map((line) => line.process).sort()).toEqual([
      'api-1',
      'api-2',
      'supervisor',
      'worker-1',
      'worker-2',
    ]);
    // The supervisor's "stopped" is the last line: every process had exited before it.
    expect(service.lines.at(-1)).toMatchObject({ process: 'supervisor', msg: 'stopped' });
    // Nothing is restarted once stopping.
    const stopping = service.lines.findIndex((line) => /^SIGTERM: stopping/.test(line.msg ?? ''));
    expect(stopping).toBeGreaterThan(-1);
    expect(
      service.lines.slice(stopping).filter((line) => line.restart_in_ms !== undefined),
    ).toEqual([]);
    await gone(pids);
    report.push(`  SIGTERM with ${inFlight} in flight: ${unique} sent before exit 0`);
  });

  it('writes one JSON stream, every line with its process label, to stdout and LOG_FILE alike', () => {
    const labels = new Set(['supervisor', 'api-1', 'api-2', 'worker-1', 'worker-2']);
    const stdout = service.stdout.split('\n').filter((text) => text !== '');
    expect(stdout.length).toBe(service.lines.length);
    expect(service.lines.filter((line) => !labels.has(String(line.process)))).toEqual([]);
    // The request and job ids are there as before.
    expect(service.lines.some((line) => line.process === 'api-1' && line.req !== undefined)).toBe(
      true,
    );
    expect(service.lines.some((line) => line.process === 'worker-2' && line.job_id)).toBe(true);
    expect(readFileSync(logFile, 'utf8')).toBe(service.stdout);
  });
});

describe('ROLE=all with WORKER_CONCURRENCY=1 and WORKER_PROCESSES=3', () => {
  const stack = useStack<'process'>(
    () => ({
      API_KEYS: `app:${APP_KEY}`,
      API_PROCESSES: '1',
      WORKER_PROCESSES: '3',
      WORKER_CONCURRENCY: '1',
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'info',
    }),
    { mode: 'process' },
  );
  let service: ProcessService;

  beforeAll(async () => {
    service = stack.service;
    await service.waitForLog((line) => line.msg === 'all processes started');
    // A process's log lines reach the supervisor's stdout on their own channel, not with its
    // ready message: on a busy machine they can come after 'all processes started'.
    await service.waitForLog((line) => line.msg === 'worker started');
  });

  it('runs one worker process, says why, and sends strictly in acceptance order', async () => {
    expect(
      service.lines.find((line) => line.level === 'warn' && line.process === 'supervisor'),
    ).toMatchObject({
      msg: expect.stringMatching(/^WORKER_PROCESSES=3 capped at WORKER_CONCURRENCY=1/),
    });
    expect(
      service.lines
        .filter((line) => line.msg === 'worker started')
        .map(({ process, concurrency }) => ({ process, concurrency })),
    ).toEqual([{ process: 'worker-1', concurrency: 1 }]);
    const { body } = await service.http.get('/health').expect(200);
    expect(body.details.workers).toEqual({ status: 'up', up: 1, configured: 1 });
    const subjects = Array.from({ length: 10 }, (_, i) => `Ordered ${String(i).padStart(2, '0')}`);
    for (const subject of subjects) await post(service, subject);
    await stack.smtp.waitForUnique('Ordered ', 10);
    expect(stack.smtp.tally('Ordered ').mails.map((mail) => mail.parsed.subject)).toEqual(subjects);
  });

  it('takes its processes with it when the supervisor is SIGKILLed', async () => {
    const children = [...pidsOf(service)].filter(([label]) => label !== 'supervisor');
    expect(children.map(([label]) => label).sort()).toEqual(['api-1', 'worker-1']);
    expect(await service.kill('SIGKILL')).toBe('SIGKILL');
    // node:cluster: a forked process whose IPC channel closes exits at once.
    await gone(children.map(([, pid]) => pid));
  });

  it('exits 1 when a process cannot start, as a lone process does (the port in use)', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as { port: number };
    try {
      const refused = await stack.start(
        {
          API_KEYS: `app:${APP_KEY}`,
          PORT: String(port),
          API_PROCESSES: '1',
          WORKER_PROCESSES: '1',
        },
        { ready: false },
      );
      expect(await refused.exited()).toBe(1);
      expect(refused.stderr).toMatch(/^Start-up failed: .*EADDRINUSE/m);
      expect(refused.lines.filter((line) => line.level === 'fatal')).toEqual([
        expect.objectContaining({ process: 'supervisor', child: 'api-1' }),
      ]);
      // No restart: a start-up failure is not something a restart mends.
      expect(refused.lines.filter((line) => line.restart_in_ms !== undefined)).toEqual([]);
    } finally {
      squatter.close();
    }
  });
});
