/**
 * The bench's side of bench/alloc.preload.js: how many bytes each process of a target has
 * allocated on V8's heap so far.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ALLOC_PRELOAD = join(__dirname, 'alloc.preload.js');

/** Bytes allocated so far, by pid. */
export type Allocated = Map<number, number>;

/** Bytes allocated between two readings, summed over the processes (one that is new in `after` counts from its start). */
export const allocatedBetween = (before: Allocated, after: Allocated): number =>
  [...after].reduce((sum, [pid, bytes]) => sum + bytes - (before.get(pid) ?? 0), 0);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends SIGUSR2; false if the process has exited meanwhile. */
function signal(pid: number): boolean {
  try {
    return process.kill(pid, 'SIGUSR2');
  } catch {
    return false;
  }
}

/** A folder the preload answers in, for one start of a target. */
export class AllocProbe {
  private seq = 0;
  readonly dir = mkdtempSync(join(tmpdir(), 'bench-alloc-'));

  /** The environment that makes every node process of the target load the preload. */
  get env(): Record<string, string> {
    return { NODE_OPTIONS: `--require "${ALLOC_PRELOAD}"`, BENCH_ALLOC_DIR: this.dir };
  }

  /** Asks each of `pids` that runs the preload for its count, and waits for the answers. */
  async read(pids: number[]): Promise<Allocated> {
    const token = `${process.pid}-${++this.seq}`;
    writeFileSync(join(this.dir, 'token'), token);
    const asked = pids.filter((pid) => existsSync(join(this.dir, String(pid))) && signal(pid));
    const counts: Allocated = new Map();
    for (let waited = 0; counts.size < asked.length; waited += 5) {
      if (waited > 5000) throw new Error(`no allocation count from ${asked.join(', ')}`);
      await sleep(5);
      for (const pid of asked) {
        if (counts.has(pid)) continue;
        const answer = JSON.parse(readFileSync(join(this.dir, String(pid)), 'utf8')) as {
          token: string;
          bytes: number;
        };
        if (answer.token === token) counts.set(pid, answer.bytes);
      }
    }
    return counts;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
