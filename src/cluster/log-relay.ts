import type { Readable } from 'node:stream';
import type { DestinationStream } from 'pino';
import { destinations } from '../common/logger.options';

/**
 * The one writer of the log stream under the supervisor: its own lines and, line by whole
 * line, those its processes write to their stdout (a pipe to it), to stdout and LOG_FILE
 * alike. Several processes writing one pipe or file could interleave the pieces of long lines;
 * one writer cannot. A line a dying process left unfinished is dropped, never half-written.
 */
export class LogRelay implements DestinationStream {
  private readonly streams: ReturnType<typeof destinations>;

  constructor(logFile?: string) {
    this.streams = destinations(logFile);
  }

  /** pino's destination for the supervisor's own lines; also used for relayed ones. */
  write(text: string): void {
    for (const stream of this.streams) stream.write(text);
  }

  /**
   * Writes out every line so far, in order, then calls back. (pino's own flush at exit writes
   * what is buffered at once, possibly ahead of a write still in flight: the supervisor's
   * last line could land before the one it wrote just before.)
   */
  end(done: () => void): void {
    let left = this.streams.length;
    const one = (): void => void (--left === 0 && done());
    for (const stream of this.streams) {
      stream.once('close', one);
      try {
        stream.end();
      } catch {
        one(); // already closed
      }
    }
  }

  /** Relays a process's stdout by whole lines, and its stderr (start-up failures) as it comes. */
  attach(stdout: Readable, stderr: Readable): void {
    let partial = '';
    stdout.setEncoding('utf8');
    stdout.on('data', (chunk: string) => {
      const text = partial + chunk;
      const end = text.lastIndexOf('\n') + 1;
      partial = text.slice(end);
      if (end > 0) this.write(text.slice(0, end));
    });
    stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  }
}
