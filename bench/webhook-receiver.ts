/**
 * The webhook endpoint of the bench's webhook scenario: an HTTP server, run as a process of
 * its own (bench/counter.ts) like the SMTP sink, that counts the POSTs it receives and
 * answers each 204 as soon as its body is in. It does not verify signatures (the e2e suites
 * do), so that the receiver is never the bottleneck.
 */
import { createServer } from 'node:http';
import { Counter, CountingProcess, serveCounts } from './counter';

/** The bench's handle on the receiver process: its URL, its count of POSTs, and waiting for one. */
export class WebhookReceiver extends CountingProcess {
  static start(port: number): Promise<WebhookReceiver> {
    return this.fork(__filename, port, 'the webhook receiver');
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/mail-events`;
  }
}

if (require.main === module) {
  const counter = new Counter();
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.method === 'POST') counter.add();
      response.writeHead(request.method === 'POST' ? 204 : 405).end();
    });
  });
  serveCounts(
    counter,
    new Promise((resolve) => server.listen(Number(process.argv[2]), '127.0.0.1', resolve)),
  );
}
