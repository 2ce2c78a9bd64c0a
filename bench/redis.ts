/**
 * The bench's own redis-server: a private one on a free port, without persistence, started
 * for a bench run and stopped after it. (The e2e suites have theirs in test/support/redis.ts,
 * which can also kill, freeze and restart it; the bench needs none of that.)
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

export class BenchRedis {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  /** Resolves once the server says it accepts connections; rejects if it cannot start. */
  static async start(): Promise<BenchRedis> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir];
    const child = spawn('redis-server', [...args, '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const read = (chunk: Buffer): void => {
        log += chunk.toString();
        if (!/Ready to accept connections/.test(log)) return;
        child.off('exit', early).off('error', reject);
        child.stdout.off('data', read).resume();
        resolve();
      };
      const early = (code: number | null): void =>
        reject(new Error(`redis-server exited (${code}) before it was ready:\n${log}`));
      child.stdout.on('data', read);
      child.once('exit', early).once('error', reject);
    });
    return new BenchRedis(port, child);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** At once, for a bench that exits without its cleanup. */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await once(this.child, 'exit');
  }
}
