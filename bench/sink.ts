import { SMTPServer } from 'smtp-server';

/** An SMTP server that only counts: no parsing, so the sink is never the bottleneck. */
export class CountingSink {
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

  constructor(readonly port: number) {
    // A service stopped mid-session resets its socket: an 'error' event that must not crash.
    this.server.on('error', () => undefined);
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
  }

  reached(n: number): Promise<void> {
    return this.count >= n
      ? Promise.resolve()
      : new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
