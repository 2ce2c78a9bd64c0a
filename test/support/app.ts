import { getQueueToken } from '@nestjs/bull';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import type { Job, Queue } from 'bull';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { APP_OPTIONS, setupApp } from '../../src/app.setup';
import { EMAIL_QUEUE } from '../../src/email/store/email.constants';
import { EmailProcessor } from '../../src/email/worker/email.processor';
import { EnvironmentVariables } from '../../src/config/env.validation';
import { ProcessPlan } from '../../src/config/role';
import { TestRedis } from './redis';
import { SmtpSink } from './smtp-sink';

export const APP_KEY = 'test-key-app-0123456789';
export const OTHER_KEY = 'test-key-other-0123456789';
export const SHOP_KEY = 'test-key-shop-0123456789';

/** A key file as an operator would write it: the shop key only as its SHA-256, with allowed_from. */
/** A plain-text mail whose body is its subject, so that it is easy to find in the sink. */
export const textMail = (subject: string, extra: object = {}): Record<string, unknown> => ({
  email_to: 'ann@example.com',
  email_from: 'no-reply@shop.example',
  subject,
  message: { text: subject },
  ...extra,
});

export function writeKeyFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mail-keys-')), 'keys.json');
  const digest = createHash('sha256').update(SHOP_KEY).digest('hex');
  writeFileSync(
    file,
    JSON.stringify([{ name: 'shop', key_sha256: digest, allowed_from: ['*@shop.example'] }]),
  );
  return file;
}

export interface TestApp {
  app: NestExpressApplication;
  http: TestAgent;
  queue: Queue;
  /** Resolves when the job behind an accepted id has completed (rejects if it failed). */
  finished(id: string): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Boots AppModule in-process exactly as main.ts does, with `env` as the whole environment:
 * every variable the service knows is set (unset ones to ''), so neither a developer's .env
 * nor an earlier test file leaks in.
 */
export async function bootApp(env: Record<string, string>): Promise<TestApp> {
  for (const name of Object.keys(new EnvironmentVariables())) process.env[name] = env[name] ?? '';
  process.env.LOG_LEVEL = env.LOG_LEVEL ?? process.env.TEST_LOG_LEVEL ?? 'silent';
  const { AppModule } = await import('../../src/app.module');
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot()] }).compile();
  const app = setupApp(moduleRef.createNestApplication<NestExpressApplication>(APP_OPTIONS));
  await app.listen(0, '127.0.0.1');
  const queue = app.get<Queue>(getQueueToken(EMAIL_QUEUE));
  await queue.isReady();
  return {
    app,
    http: request(app.getHttpServer()),
    queue,
    finished: async (id): Promise<unknown> =>
      ((await queue.getJob(id)) as Job).finished() as Promise<unknown>,
    close: async () => {
      const { worker } = app.get(ConfigService).get<ProcessPlan>('plan')!;
      if (worker) await app.get(EmailProcessor).drain(5000);
      await app.close();
    },
  };
}

/** A test file's private world: its own redis-server, an SMTP sink (unless off), and the app. */
export interface Stack {
  redis: TestRedis;
  smtp: SmtpSink;
  t: TestApp;
}

/**
 * Starts the stack once for the file (beforeAll) and stops it after (afterAll). `env` gets
 * the Redis and sink to point at; REDIS_URL and SMTP_URL default to them. With
 * `{ smtp: false }` there is no sink and no SMTP_URL: the app uses its outbox transport.
 */
export function useStack(
  env: (stack: Omit<Stack, 't'>) => Record<string, string>,
  options: { smtp?: boolean } = {},
): Stack {
  const stack = {} as Stack;
  beforeAll(async () => {
    stack.redis = await TestRedis.start();
    if (options.smtp !== false) stack.smtp = await SmtpSink.start();
    stack.t = await bootApp({
      REDIS_URL: stack.redis.url,
      ...(stack.smtp ? { SMTP_URL: stack.smtp.url } : {}),
      ...env(stack),
    });
  });
  afterAll(async () => {
    await stack.t?.close();
    await stack.smtp?.close();
    await stack.redis?.stop();
  });
  return stack;
}
