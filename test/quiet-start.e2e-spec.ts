import { APP_KEY } from './support/fixtures';
import { TestRedis, freePort } from './support/redis';
import { LogLine, ProcessService, useStack } from './support/service';

/** How long each outage lasts, measured by /health answering 503: many reconnect cycles. */
const OUTAGE_MS = 3000;

const isAlarm = (line: LogLine): boolean => ['warn', 'error', 'fatal'].includes(line.level ?? '');
const isBackLine = (line: LogLine): boolean =>
  line.level === 'info' && /redis reachable/i.test(line.msg ?? '');
/**
 * Per process (its `process` label), the lines at warn or above that mention Redis anywhere
 * (message, error, stack), and recoveries: each process that uses Redis tells its own story.
 */
const redisStories = (service: ProcessService): Record<string, (string | undefined)[]> => {
  const stories: Record<string, (string | undefined)[]> = {};
  for (const line of service.lines)
    if ((isAlarm(line) && /redis/i.test(JSON.stringify(line))) || isBackLine(line))
      (stories[String(line.process)] ??= []).push(line.msg);
  return stories;
};
/** How many recoveries each of `processes` has logged so far. */
const recoveries = (service: ProcessService, processes: string[]): number[] =>
  processes.map(
    (label) => service.lines.filter((line) => line.process === label && isBackLine(line)).length,
  );

const isJson = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

async function health(base: string): Promise<number> {
  return (await fetch(`${base}/health`)).status;
}

/** Polls /health until it answers 200 (each poll waits for its answer: up to 1 s). */
async function untilHealthy(base: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await health(base)) !== 200)
    if (Date.now() > deadline) throw new Error(`/health not 200 within ${timeoutMs} ms`);
}

/** Expects /health to answer 503 on every poll for OUTAGE_MS (and at least 3 times). */
async function expectDownFor(base: string): Promise<void> {
  const started = Date.now();
  let answers = 0;
  while (Date.now() - started < OUTAGE_MS || answers < 3) {
    expect(await health(base)).toBe(503);
    answers++;
  }
}

/**
 * The start without Redis (SPEC §10) and a later outage: one line each, nothing on stderr.
 * ROLE=all runs an API and a worker process under the supervisor (counts given, so the
 * processes are known whatever the machine's CPU count): each logs its own line per outage,
 * and the supervisor, which does not use Redis, none.
 */
describe.each([
  ['all', { API_PROCESSES: '1', WORKER_PROCESSES: '1' }, ['api-1', 'worker-1']],
  ['worker', { ROLE: 'worker' }, ['worker']],
])('ROLE=%s with Redis unreachable', (role, env, processes) => {
  // Redis comes later, on a port the service already tries to reach.
  const stack = useStack(null, { mode: 'process', redis: false, smtp: false });
  let redis: TestRedis | undefined;

  afterAll(async () => {
    await redis?.stop();
  });

  it('logs one line per outage, keeps retrying, and becomes healthy when Redis comes', async () => {
    const redisPort = await freePort();
    const service = await stack.start({
      ...env,
      API_KEYS: `app:${APP_KEY}`,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      QUEUE_PREFIX: `quiet-${role}`,
    });
    const base = service.url;
    await service.waitForLog((line) => isAlarm(line) && /redis unreachable/i.test(line.msg ?? ''));
    await expectDownFor(base);

    // AOF on, so the start-up durability check has nothing to warn about.
    redis = await TestRedis.start({ port: redisPort, aof: true });
    await untilHealthy(base);
    await service.waitForLog(() => recoveries(service, processes).every((count) => count === 1));

    await redis.kill();
    await expectDownFor(base);
    await redis.restart();
    await untilHealthy(base);
    await service.waitForLog(() => recoveries(service, processes).every((count) => count === 2));

    const exitCode = await service.kill('SIGTERM');
    expect(service.stderr).not.toContain('Unhandled error event');
    expect(service.stderr).not.toMatch(/^\s+at /m);
    expect(exitCode).toBe(0);
    const stdout = service.stdout.split('\n').filter((text) => text.trim() !== '');
    expect(stdout.filter((text) => !isJson(text))).toEqual([]);
    // A stack inside a JSON line is as much noise as one on stderr.
    expect(service.stdout).not.toMatch(/\\n\s+at /);
    const unreachable = expect.stringMatching(/^redis unreachable/);
    const back = 'redis reachable again';
    const story = [unreachable, back, unreachable, back];
    expect(redisStories(service)).toEqual(
      Object.fromEntries(processes.map((label) => [label, story])),
    );
  }, 60_000);
});
