import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_KEY } from './support/fixtures';
import type { TestRedis } from './support/redis';
import { RunningService, useStack } from './support/service';

const SMTP = { host: 'relay-7f3a.internal.example', port: '2587', password: 'relay-pass' };
const PAGES = ['/', '/info.json', '/health'];

/** A public page's body, however the app is reached. */
type Get = (path: string) => Promise<string>;
const pagesOf =
  (stack: { service: RunningService }): Get =>
  async (path) =>
    (await stack.service.http.get(path)).text;

/** A number counts only on its own, not inside a longer one. */
const tells = (body: string, secret: string): boolean =>
  /^\d+$/.test(secret) ? new RegExp(`(?<!\\d)${secret}(?!\\d)`).test(body) : body.includes(secret);

/** For each public page, the secrets it gives away. */
async function leaks(get: Get, secrets: string[]): Promise<Record<string, string[]>> {
  const told = await Promise.all(
    PAGES.map(async (path) => {
      const body = await get(path);
      return [path, secrets.filter((secret) => tells(body, secret))];
    }),
  );
  return Object.fromEntries(told) as Record<string, string[]>;
}

/** Every page tells none of `secrets` (nor where Redis is), with Redis up and then down. */
async function expectNothingTold(get: Get, redis: TestRedis, secrets: string[]): Promise<void> {
  const all = [...secrets, String(redis.port), '127.0.0.1', 'localhost', 'ECONNREFUSED'];
  const none = Object.fromEntries(PAGES.map((path) => [path, []]));
  expect(await leaks(get, all)).toEqual(none);
  await redis.kill();
  expect(await leaks(get, all)).toEqual(none);
  const health = JSON.parse(await get('/health')) as { error: { redis: object } };
  expect(health.error.redis).toEqual({
    status: 'down',
    message: expect.stringMatching(/^(unreachable|no answer in \d+ ms)$/),
  });
}

describe('public pages name no host, port, path or Redis error', () => {
  describe('with an SMTP relay', () => {
    const stack = useStack(
      () => ({
        QUEUE_PREFIX: 'quiet-pages-smtp',
        API_KEYS: `app:${APP_KEY}`,
        SMTP_URL: `smtp://mailer:${SMTP.password}@${SMTP.host}:${SMTP.port}`,
      }),
      { smtp: false },
    );
    const get = pagesOf(stack);

    it('has Swagger UI keep no API key in browser storage', async () => {
      const { text } = await stack.service.http.get('/docs/swagger-ui-init.js').expect(200);
      expect(text).toMatch(/"persistAuthorization":\s*false/);
    });

    it('says "SMTP" and no more, before and during a Redis outage', async () => {
      expect(JSON.parse(await get('/info.json'))).toMatchObject({ transport: 'SMTP' });
      await expectNothingTold(get, stack.redis, Object.values(SMTP));
    });
  });

  // One configuration per process: the outbox case runs the built service.
  describe('with the outbox', () => {
    const outbox = mkdtempSync(join(tmpdir(), 'outbox-quiet-pages-'));
    const stack = useStack(
      () => ({
        API_KEYS: `app:${APP_KEY}`,
        QUEUE_PREFIX: 'quiet-pages-outbox',
        OUTBOX_DIR: outbox,
      }),
      { mode: 'process', smtp: false },
    );
    const get = pagesOf(stack);

    it('says "outbox" and not where it is, before and during a Redis outage', async () => {
      expect(JSON.parse(await get('/info.json'))).toMatchObject({ transport: 'outbox' });
      await expectNothingTold(get, stack.redis, [outbox, 'outbox-quiet-pages-']);
    });
  });
});
