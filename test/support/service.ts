import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

export type LogLine = Record<string, unknown> & { level?: string; msg?: string };
type LogWaiter = { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void };

/** The built service as a child process with exactly `env` (plus PATH); its JSON log lines are kept. */
export class ServiceProcess {
  stdout = '';
  stderr = '';
  readonly lines: LogLine[] = [];
  private waiters: LogWaiter[] = [];
  private partial = '';

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => this.read(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  static start(env: Record<string, string>): ServiceProcess {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, ...env },
      stdio: 'pipe',
    });
    return new ServiceProcess(child);
  }

  /** Resolves with the first log line (past or future) that matches; rejects after `timeoutMs`. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no matching log line in ${timeoutMs} ms\n${this.stdout.slice(-3000)}${this.stderr}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({ match, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });
  }

  /** Resolves once the service serves HTTP (or, as a worker, consumes). */
  ready(): Promise<LogLine> {
    return this.waitForLog((line) => line.msg === 'Nest application successfully started');
  }

  /** Resolves with the exit code (or the signal's name). */
  async exited(): Promise<number | string> {
    if (this.child.exitCode !== null || this.child.signalCode !== null)
      return this.child.exitCode ?? this.child.signalCode!;
    const [code, signal] = (await once(this.child, 'exit')) as [number | null, string | null];
    return code ?? signal ?? -1;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | string> {
    this.child.kill(signal);
    return this.exited();
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
