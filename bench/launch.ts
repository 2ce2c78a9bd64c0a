/**
 * Starting and stopping a target as its own process tree on the bench's Redis and SMTP sink,
 * in a ROLE or as its default start.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { AllocProbe } from './alloc';
import { sampleTree } from './proc-tree';
import { freePort } from './redis';
import { ROOT, Target, WORKER_CONCURRENCY } from './targets';

/** ROLE for the start; undefined: the default start, no ROLE set. */
export type Role = 'api' | 'worker' | undefined;

export interface StartOptions {
  role?: Role;
  /** With the allocation preload in every process of the tree. */
  alloc?: boolean;
}

export interface Running {
  url: string;
  child: ChildProcess;
  /** Allocation counts, when started with `alloc`. */
  alloc?: AllocProbe;
}

const built = new Set<Target>();
const stopping = new WeakSet<ChildProcess>();

async function ready({ url, child }: Running, stderr: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: exited at start:\n${stderr()}`);
    if (
      await fetch(`${url}/health`).then(
        (r) => r.status < 500,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never answered:\n${stderr()}`);
}

/** Starts `target` in `role`; resolves once it answers HTTP (a worker: at once, it has no port). */
export async function start(
  target: Target,
  rig: { redisUrl: string; smtpPort: number },
  options: StartOptions = {},
): Promise<Running> {
  if (!built.has(target)) target.build?.();
  built.add(target);
  const port = await freePort();
  const alloc = options.alloc ? new AllocProbe() : undefined;
  const child = spawn(process.execPath, target.command, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      ...target.env,
      ...alloc?.env,
      ...(options.role && { ROLE: options.role }),
      WORKER_CONCURRENCY,
      PORT: String(port),
      REDIS_URL: rig.redisUrl,
      SMTP_URL: `smtp://127.0.0.1:${rig.smtpPort}`,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on(
    'data',
    (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)),
  );
  // A server that dies under load would leave the bench waiting for mails forever.
  child.once('exit', (code, signal) => {
    if (stopping.has(child)) return;
    process.stderr.write(
      `\n${target.name} exited (${signal ?? code}) while measured:\n${stderr}\n`,
    );
    process.exit(1);
  });
  const running = { url: `http://127.0.0.1:${port}`, child, alloc };
  if (options.role !== 'worker') await ready(running, () => stderr);
  return running;
}

/** SIGTERM, as a container runtime stops it; after 30 s SIGKILL for the whole tree. */
export async function stop({ child, alloc }: Running): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    stopping.add(child);
    const exited = once(child, 'exit');
    const pids = sampleTree(child.pid!).pids;
    child.kill('SIGTERM');
    const timer = setTimeout(() => pids.forEach((pid) => kill(pid)), 30_000);
    await exited;
    clearTimeout(timer);
  }
  alloc?.remove();
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}
