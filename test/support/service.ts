import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

/** The built service as a child process with exactly `env` (plus PATH). */
export class ServiceProcess {
  stdout = '';
  stderr = '';
  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  static start(env: Record<string, string>): ServiceProcess {
    return new ServiceProcess(
      spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH, ...env }, stdio: 'pipe' }),
    );
  }

  /** Resolves with the exit code (or the signal's name). */
  async exited(): Promise<number | string> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const [code, signal] = (await once(this.child, 'exit')) as [number | null, string | null];
    return code ?? signal ?? -1;
  }
}
