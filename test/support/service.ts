/**
 * The one way the e2e suites boot the service, in either of two modes behind one interface:
 *
 * - `in-process`: AppModule compiled and listening in Jest's process, set up exactly as main.ts
 *   sets it up, with the app and its Bull queue at hand;
 * - `process`: the built service (`dist/main.js`, built by Jest's global setup) as a child
 *   process, as production runs it, with its JSON log lines kept.
 *
 * In both, `env` is the whole environment: every variable the service knows is set, unset ones
 * to '', so neither a developer's .env nor an earlier test file leaks in.
 *
 * A test file calls `useStack` once: it starts (beforeAll) a private redis-server, an SMTP sink
 * and the file's service, and stops them all (afterAll), with any further services the file
 * started on the stack.
 */
import { getQueueToken } from '@nestjs/bull';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import Bull from 'bull';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { APP_OPTIONS, setupApp } from '../../src/app.setup';
import { EMAIL_QUEUE } from '../../src/email/store/email.constants';
import { EmailProcessor } from '../../src/email/worker/email.processor';
import { EnvironmentVariables } from '../../src/config/env.validation';
import { ProcessPlan } from '../../src/config/role';
import { TestRedis, freePort } from './redis';
import { SmtpSink } from './smtp-sink';

export type Env = Record<string, string>;
export type Mode = 'in-process' | 'process';
export type LogLine = Record<string, unknown> & { level?: string; msg?: string };

/** What a running service offers in either mode. */
export interface RunningService {
  readonly mode: Mode;
  /** `http://127.0.0.1:<port>`: for fetch, a browser or a raw socket. */
  readonly url: string;
  readonly port: number;
  /** A supertest agent on `url`. */
  readonly http: TestAgent;
  /** Stops it as production stops: the worker finishes its sends, then the app closes. */
  close(): Promise<void>;
}

export interface InProcessService extends RunningService {
  readonly mode: 'in-process';
  readonly app: NestExpressApplication;
  /** The app's own Bull queue. */
  readonly queue: Bull.Queue;
  /** Resolves when the job behind an accepted id has completed (rejects if it failed). */
  finished(id: string): Promise<unknown>;
}

export interface ProcessService extends RunningService {
  readonly mode: 'process';
  readonly child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Its stdout's JSON lines, parsed, in order. */
  readonly lines: LogLine[];
  /** Resolves with the first log line (past or future) that matches; rejects after `timeoutMs` or once it has exited. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (or the signal's name) once it has exited and its output is read. */
  exited(): Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

export type ServiceOf<M extends Mode> = M extends 'process' ? ProcessService : InProcessService;

export interface StartOptions<M extends Mode> {
  /** `in-process` unless said. */
  mode?: M;
  /**
   * `process` only: with false, resolves as soon as the process is spawned (to watch it refuse
   * to start); otherwise once it serves HTTP (as a worker: once it consumes).
   */
  ready?: boolean;
}

/** `env` as the whole environment: every variable the service knows, unset ones as ''. */
function wholeEnvironment(env: Env): Env {
  const known = Object.keys(new EnvironmentVariables());
  return { ...Object.fromEntries(known.map((name) => [name, ''])), ...env };
}

/**
 * Starts the service with `env` as its whole environment. In-process it listens on a free port
 * and logs nothing unless LOG_LEVEL (or TEST_LOG_LEVEL) says so. As a process it gets a free
 * PORT (and, as a worker, the same HEALTH_PORT) on 127.0.0.1 unless `env` names them, and logs
 * at the service's default level: readiness is a log line.
 */
export async function startService<M extends Mode = 'in-process'>(
  env: Env,
  options: StartOptions<M> = {},
): Promise<ServiceOf<M>> {
  const service =
    options.mode === 'process'
      ? await startProcess(env, options.ready ?? true)
      : await startInProcess(env);
  return service as ServiceOf<M>;
}

async function startInProcess(env: Env): Promise<InProcessService> {
  const whole = wholeEnvironment({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...env });
  for (const [name, value] of Object.entries(whole)) process.env[name] = value;
  const { AppModule } = await import('../../src/app.module');
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot()] }).compile();
  const app = setupApp(moduleRef.createNestApplication<NestExpressApplication>(APP_OPTIONS));
  await app.listen(0, '127.0.0.1');
  const queue = app.get<Bull.Queue>(getQueueToken(EMAIL_QUEUE));
  await queue.isReady();
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    mode: 'in-process',
    url: `http://127.0.0.1:${port}`,
    port,
    http: request(app.getHttpServer()),
    app,
    queue,
    finished: async (id) => ((await queue.getJob(id)) as Bull.Job).finished() as Promise<unknown>,
    close: async () => {
      await drainWorker(app);
      await app.close();
    },
  };
}

/**
 * The one place the helper knows of the worker: it gets up to 5 s to finish its sends before
 * the app closes, as main.ts's shutdown gives it. A process whose plan has no worker (ROLE=api)
 * has nothing to drain.
 */
async function drainWorker(app: NestExpressApplication): Promise<void> {
  const plan = app.get(ConfigService).get<ProcessPlan>('plan');
  if (plan?.worker) await app.get(EmailProcessor).drain(5000);
}

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

async function startProcess(env: Env, ready: boolean): Promise<ProcessService> {
  const port = env.PORT ?? String(await freePort());
  const whole = wholeEnvironment({
    HOST: '127.0.0.1',
    ...(env.ROLE === 'worker' ? { HEALTH_PORT: port } : {}),
    ...env,
    PORT: port,
  });
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, ...whole },
    stdio: 'pipe',
  });
  const service = new ChildService(child, Number(env.ROLE === 'worker' ? whole.HEALTH_PORT : port));
  if (ready)
    await service.waitForLog((line) => line.msg === 'Nest application successfully started');
  return service;
}

type LogWaiter = {
  match: (line: LogLine) => boolean;
  resolve: (line: LogLine) => void;
  reject: (error: Error) => void;
};

class ChildService implements ProcessService {
  readonly mode = 'process';
  stdout = '';
  stderr = '';
  readonly lines: LogLine[] = [];
  private waiters: LogWaiter[] = [];
  private partial = '';
  private closed = false;

  constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => this.read(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    child.once('close', () => {
      this.closed = true;
      for (const waiter of this.waiters) waiter.reject(this.failure('it exited'));
      this.waiters = [];
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get http(): TestAgent {
    return request(this.url);
  }

  waitForLog(match: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    if (this.closed) return Promise.reject(this.failure('it had exited'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(this.failure(`${timeoutMs} ms passed`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (line) => (clearTimeout(timer), resolve(line)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
    });
  }

  async exited(): Promise<number | string> {
    if (!this.closed) await once(this.child, 'close');
    return this.child.exitCode ?? this.child.signalCode ?? -1;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | string> {
    this.child.kill(signal);
    return this.exited();
  }

  async close(): Promise<void> {
    await this.kill('SIGTERM');
  }

  private failure(why: string): Error {
    return new Error(
      `no matching log line: ${why}\n${this.stdout.slice(-3000)}${this.stderr.slice(-3000)}`,
    );
  }

  private read(text: string): void {
    this.stdout += text;
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop()!;
    for (const part of parts) {
      let line: LogLine;
      try {
        line = JSON.parse(part) as LogLine;
      } catch {
        continue;
      }
      this.lines.push(line);
      this.waiters = this.waiters.filter((waiter) =>
        waiter.match(line) ? (waiter.resolve(line), false) : true,
      );
    }
  }
}

export interface StackOptions<M extends Mode> {
  /** How the stack's services run unless `start` says otherwise: `in-process` unless said. */
  mode?: M;
  /** A private redis-server (`{ aof: true }`: one that keeps what it acknowledged across a SIGKILL); false for none. */
  redis?: boolean | { aof: boolean };
  /** An SMTP sink; false for none, and no SMTP_URL: the service then writes to its outbox. */
  smtp?: boolean;
}

/** A test file's private world. */
export interface Stack<M extends Mode> {
  /** Absent with `{ redis: false }`. */
  redis: TestRedis;
  /** Absent with `{ smtp: false }`. */
  smtp: SmtpSink;
  /** The file's service, started with what `env` returned; absent when `env` was null. */
  service: ServiceOf<M>;
  /**
   * Starts another service on this stack: REDIS_URL and SMTP_URL point at it and QUEUE_PREFIX
   * is the file's, unless `env` says otherwise. It is stopped after the file.
   */
  start<N extends Mode = M>(env: Env, options?: StartOptions<N>): Promise<ServiceOf<N>>;
  /** A Bull handle on the email queue under `prefix` (the file's by default); closed after the file. */
  queue(prefix?: string): Bull.Queue;
}

/** The file's queue prefix: its name, so no two files share queue keys. */
function filePrefix(): string {
  const name = basename(expect.getState().testPath ?? 'test').replace(/(\.e2e-spec)?\.ts$/, '');
  return name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
}

/**
 * Starts the stack once for the file (beforeAll): the redis-server and the sink, then the
 * service with what `env` returns for them (null: no service yet; the file starts its own with
 * `stack.start`). Stops everything after the file (afterAll): each service (a process with
 * SIGKILL, being only cleanup), the queue handles, the sink and the redis-server.
 */
export function useStack<M extends Mode = 'in-process'>(
  env: ((stack: Pick<Stack<M>, 'redis' | 'smtp'>) => Env) | null,
  options: StackOptions<M> = {},
): Stack<M> {
  const services: RunningService[] = [];
  const queues: Bull.Queue[] = [];
  const stack = {
    start: async (serviceEnv: Env, startOptions: StartOptions<Mode> = {}) => {
      const service = await startService(
        {
          ...(stack.redis ? { REDIS_URL: stack.redis.url } : {}),
          ...(stack.smtp ? { SMTP_URL: stack.smtp.url } : {}),
          QUEUE_PREFIX: filePrefix(),
          ...serviceEnv,
        },
        { ...startOptions, mode: startOptions.mode ?? options.mode },
      );
      services.push(service);
      return service;
    },
    queue: (prefix = filePrefix()) => {
      const queue = new Bull(EMAIL_QUEUE, stack.redis.url, { prefix });
      queues.push(queue);
      return queue;
    },
  } as Stack<M>;

  beforeAll(async () => {
    const redis = options.redis ?? true;
    if (redis) stack.redis = await TestRedis.start({ aof: redis !== true && redis.aof });
    if (options.smtp !== false) stack.smtp = await SmtpSink.start();
    if (env) stack.service = await stack.start(env(stack));
  });

  afterAll(async () => {
    for (const service of services.reverse())
      await (service.mode === 'process' ? (service as ProcessService).kill() : service.close());
    await Promise.all(queues.map((queue) => queue.close()));
    await stack.smtp?.close();
    await stack.redis?.stop();
  });

  return stack;
}
