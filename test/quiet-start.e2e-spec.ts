import { APP_KEY } from './support/fixtures';
import { TestRedis, freePort } from './support/redis';
import { LogLine, ProcessService, useStack } from './support/service';

/** How long each outage lasts, measured by /health answering 503: many reconnect cycles. */
const OUTAGE_MS = 3000;

const isAlarm = (line: LogLine): boolean => ['warn', 'error', 'fatal'].includes(line.level ?? '');
const isBackLine = (line: LogLine): boolean =>
  line.level === 'info' && /redis reachable/i.test(line.msg ?? '');
/** Lines at warn or above that mention Redis anywhere (message, error, stack), and recoveries. */
const redisStory = (service: ProcessService): (string | undefined)[] =>
  service.lines
    .filter((line) => (isAlarm(line) && /redis/i.test(JSON.stringify(line))) || isBackLine(line))
    .map((line) => line.msg);

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

/** The start without Redis (SPEC §10) and a later outage: one line each, nothing on stderr. */
describe.each([
  ['all', {}],
  ['worker', { ROLE: 'worker' }],
])('ROLE=%s with Redis unreachable', (role, env) => {
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
    await service.waitForLog(isBackLine);

    await redis.kill();
    await expectDownFor(base);
    await redis.restart();
    await untilHealthy(base);
    await service.waitForLog(() => service.lines.filter(isBackLine).length === 2);

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
    expect(redisStory(service)).toEqual([unreachable, back, unreachable, back]);
  }, 60_000);
});
