/**
 * A counting server run as a process of its own (the SMTP sink, bench/sink.ts; the webhook
 * receiver, bench/webhook-receiver.ts): in the bench's process it would share one event loop
 * with autocannon and delay its requests. The child counts; the bench asks it over IPC.
 */
import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';

/** A count, and who waits for it to reach some n. */
export class Counter {
  count = 0;
  private waiters: { n: number; resolve: () => void }[] = [];

  add(): void {
    this.count++;
    this.waiters = this.waiters.filter((w) => (this.count >= w.n ? (w.resolve(), false) : true));
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

/** The child's side: once `listening` resolves, says it is ready and answers the bench's questions. */
export function serveCounts(counter: Counter, listening: Promise<void>): void {
  void listening.then(() => process.send!({ ready: true }));
  process.on('message', ({ seq, n }: Question) => {
    void counter
      .reached(n)
      .then(() => process.send!({ seq, count: counter.count } satisfies Answer));
  });
}

/** The bench's handle on a counting process: its port, its count, and waiting for a count. */
export class CountingProcess {
  private seq = 0;
  private readonly pending = new Map<number, Waiter>();

  /** Use the subclass's start(). */
  constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    what: string,
  ) {
    child.on('message', ({ seq, count }: Answer) => {
      this.pending.get(seq)?.resolve(count);
      this.pending.delete(seq);
    });
    // A counter that dies fails the bench instead of leaving it waiting forever.
    child.once('exit', (code, signal) => {
      for (const { reject } of this.pending.values())
        reject(new Error(`${what} exited (${signal ?? code})`));
      this.pending.clear();
    });
  }

  /** Runs `script` (which calls serveCounts) with the port as its argument. */
  protected static async fork<T extends CountingProcess>(
    this: new (port: number, child: ChildProcess, what: string) => T,
    script: string,
    port: number,
    what: string,
  ): Promise<T> {
    const child = fork(script, [String(port)], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await once(child, 'message');
    return new this(port, child, what);
  }

  count(): Promise<number> {
    return this.ask(0);
  }

  /** Resolves once `n` in all have been counted. */
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
