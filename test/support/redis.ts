import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A private redis-server on a free port, so a test can stop, kill and restart it. */
export class TestRedis {
  private process?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'mail-redis-'));

  private constructor(
    readonly port: number,
    private readonly aof: boolean,
  ) {}

  /** `port`: a port the test chose earlier, e.g. one a service already tries to reach. */
  static async start(options: { aof?: boolean; port?: number } = {}): Promise<TestRedis> {
    const redis = new TestRedis(options.port ?? (await freePort()), options.aof ?? false);
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
    ];
    args.push('--appendonly', this.aof ? 'yes' : 'no', '--appendfsync', 'always');
    this.process = spawn('redis-server', args, { stdio: 'ignore' });
    await this.waitUntil(async (client) => (await client.ping()) === 'PONG');
  }

  /** SIGKILL: no shutdown save; only what the AOF already holds survives. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
  }

  /** SIGSTOP: the server keeps its connections but answers nothing, like a hung host. */
  freeze(): void {
    this.process?.kill('SIGSTOP');
  }

  thaw(): void {
    this.process?.kill('SIGCONT');
  }

  stop(): Promise<void> {
    return this.kill();
  }

  private async waitUntil(check: (client: Redis) => Promise<boolean>): Promise<void> {
    const client = new Redis(this.url, {
      lazyConnect: true,
      retryStrategy: () => 50,
      maxRetriesPerRequest: 0,
    });
    // Refused connections are expected while the server boots; without a listener ioredis
    // prints each one as an "Unhandled error event".
    client.on('error', () => undefined);
    const deadline = Date.now() + 10_000;
    try {
      for (;;) {
        if (await check(client).catch(() => false)) return;
        if (Date.now() > deadline) throw new Error(`redis on ${this.port} did not start`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      client.disconnect();
    }
  }
}
