/**
 * The counting SMTP sink, run as a process of its own: in the bench's process it would share
 * one event loop with autocannon, and every mail a server sends during an accept round would
 * delay autocannon's requests and inflate that server's latency.
 */
import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { SMTPServer } from 'smtp-server';

/** An SMTP server that only counts: no parsing, so the sink is never the bottleneck. */
class CountingServer {
  count = 0;
  private waiters: { n: number; resolve: () => void }[] = [];
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData: (stream, _session, callback) => {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        this.count++;
        this.waiters = this.waiters.filter((w) =>
          this.count >= w.n ? (w.resolve(), false) : true,
        );
        callback();
      });
    },
  });

  constructor() {
    // A server stopped mid-session resets its socket: an 'error' event that must not crash.
    this.server.on('error', () => undefined);
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', resolve));
  }

  reached(n: number): Promise<void> {
    return this.count >= n
      ? Promise.resolve()
      : new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}

/** "Answer with the count once it is at least n" (n = 0: at once). */
type Question = { seq: number; n: number };
type Answer = { seq: number; count: number };
type Waiter = { resolve: (count: number) => void; reject: (error: Error) => void };

/** The bench's handle on the sink process: its port, its count, and waiting for a count. */
export class CountingSink {
  private seq = 0;
  private readonly pending = new Map<number, Waiter>();

  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    child.on('message', ({ seq, count }: Answer) => {
      this.pending.get(seq)?.resolve(count);
      this.pending.delete(seq);
    });
    // A sink that dies fails the bench instead of leaving it waiting for mails forever.
    child.once('exit', (code, signal) => {
      for (const { reject } of this.pending.values())
        reject(new Error(`the SMTP sink exited (${signal ?? code})`));
      this.pending.clear();
    });
  }

  static async start(port: number): Promise<CountingSink> {
    const child = fork(__filename, [String(port)], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await once(child, 'message');
    return new CountingSink(port, child);
  }

  count(): Promise<number> {
    return this.ask(0);
  }

  /** Resolves once `n` mails in all have arrived. */
  async reached(n: number): Promise<void> {
    await this.ask(n);
  }

  /** At once, for a bench that exits without its cleanup. */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  async close(): Promise<void> {
    this.child.kill();
    await once(this.child, 'exit');
  }

  private ask(n: number): Promise<number> {
    const question: Question = { seq: ++this.seq, n };
    return new Promise((resolve, reject) => {
      this.pending.set(question.seq, { resolve, reject });
      this.child.send(question);
    });
  }
}

if (require.main === module) {
  const server = new CountingServer();
  void server.listen(Number(process.argv[2])).then(() => process.send!({ ready: true }));
  process.on('message', ({ seq, n }: Question) => {
    void server.reached(n).then(() => process.send!({ seq, count: server.count } satisfies Answer));
  });
}
