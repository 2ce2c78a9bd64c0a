/**
 * The counting SMTP sink, run as a process of its own (bench/counter.ts): in the bench's
 * process it would share one event loop with autocannon, and every mail a server sends during
 * an accept round would delay autocannon's requests and inflate that server's latency.
 */
import { SMTPServer } from 'smtp-server';
import { Counter, CountingProcess, serveCounts } from './counter';

/** An SMTP server that only counts: no parsing, so the sink is never the bottleneck. */
class CountingServer {
  readonly counter = new Counter();
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData: (stream, _session, callback) => {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        this.counter.add();
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
}

/** The bench's handle on the sink process: its port, its count of mails, and waiting for one. */
export class CountingSink extends CountingProcess {
  static start(port: number): Promise<CountingSink> {
    return this.fork(__filename, port, 'the SMTP sink');
  }
}

if (require.main === module) {
  const server = new CountingServer();
  serveCounts(server.counter, server.listen(Number(process.argv[2])));
}
