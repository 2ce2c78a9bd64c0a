/**
 * The servers the bench compares, each started as its own process on a private Redis: the
 * service exactly as `npm run start:prod` (and the Dockerfile) starts it, the hand-written
 * baseline and the Nest floor; and the rig every bench script runs on.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { BenchRedis, freePort } from './redis';
import { CountingSink } from './sink';

export const ROOT = join(__dirname, '..');
export const KEY = 'bench-key-0123456789abcdef';

export interface Target {
  name: 'service' | 'baseline' | 'nest floor';
  command: string[];
  env: Record<string, string>;
}

/** `node <flags> dist/main` from package.json's start:prod, run with this Node. */
function startProdArgs(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [node, ...args] = pkg.scripts['start:prod'].split(/\s+/);
  if (node !== 'node') throw new Error('start:prod must start with node');
  return args;
}

export const SERVICE: Target = {
  name: 'service',
  command: startProdArgs(),
  env: { API_KEYS: `bench:${KEY}`, RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'info' },
};

export const BASELINE: Target = {
  name: 'baseline',
  command: [
    require.resolve('ts-node/dist/bin'),
    '--transpile-only',
    join(__dirname, 'baseline.ts'),
  ],
  env: {},
};

export const NEST_FLOOR: Target = {
  name: 'nest floor',
  command: [
    require.resolve('ts-node/dist/bin'),
    '--transpile-only',
    join(__dirname, 'nest-floor.ts'),
  ],
  env: {},
};

export interface Running {
  url: string;
  child: ChildProcess;
}

async function waitHttp(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const up = await fetch(url).then(
      (r) => r.status < 500,
      () => false,
    );
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never answered`);
}

async function start(target: Target, redisUrl: string, smtpPort: number): Promise<Running> {
  const port = await freePort();
  const child = spawn(process.execPath, target.command, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      ...target.env,
      PORT: String(port),
      REDIS_URL: redisUrl,
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    },
    stdio: 'ignore',
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

async function stop({ child }: Running): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** Runs `what` against fresh processes of `targets`, side by side on an emptied Redis, then stops them. */
export async function withTargets<T>(
  targets: Target[],
  redisUrl: string,
  smtpPort: number,
  what: (running: Running[]) => Promise<T>,
): Promise<T> {
  const redis = new Redis(redisUrl);
  await redis.flushall();
  redis.disconnect();
  const running: Running[] = [];
  try {
    for (const target of targets) running.push(await start(target, redisUrl, smtpPort));
    for (const { url } of running) await waitHttp(`${url}/send-email`);
    return await what(running);
  } finally {
    await Promise.all(running.map(stop));
  }
}

export const withTarget = <T>(
  target: Target,
  redisUrl: string,
  smtpPort: number,
  what: (running: Running) => Promise<T>,
): Promise<T> => withTargets([target], redisUrl, smtpPort, ([running]) => what(running));

export function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** What every bench runs on: a private redis-server and the counting SMTP sink. */
export interface Rig {
  redis: BenchRedis;
  sink: CountingSink;
}

/** Runs a bench's `main` on a fresh rig and stops the rig after; a failure exits with 1. */
export function runBench(name: string, main: (rig: Rig) => Promise<void>): void {
  const run = async (): Promise<void> => {
    const redis = await BenchRedis.start();
    const sink = await CountingSink.start(await freePort());
    try {
      await main({ redis, sink });
    } finally {
      await sink.close();
      await redis.stop();
    }
  };
  run().catch((error: unknown) => {
    process.stderr.write(`\n${name} failed: ${String(error)}\n`);
    process.exit(1);
  });
}
