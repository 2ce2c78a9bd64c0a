/**
 * The webhook endpoint of the bench's webhook scenario: run as a process of its own
 * (bench/counter.ts) like the SMTP sink, it counts the POSTs it receives and answers each 204
 * as soon as its body is in. It does not verify signatures (the e2e suites do). It speaks
 * just enough HTTP/1.1 on a raw socket (request line, Content-Length, keep-alive), because
 * node:http costs about three times its CPU a request: the endpoint stands for an app on
 * another machine, and every cycle it takes here is one taken from the service under test,
 * which shares this machine's cores with it.
 */
import { Socket, createServer } from 'node:net';
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

const NO_CONTENT = 'HTTP/1.1 204 No Content\r\n\r\n';
const NOT_ALLOWED = 'HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n';
const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * Answers each complete request in `pending` and returns what is left of it (a request not
 * yet all in). A request without a head end or Content-Length ends the connection.
 */
export function answerRequests(pending: Buffer, socket: Socket, counter: Counter): Buffer {
  for (;;) {
    const headEnd = pending.indexOf(HEAD_END);
    if (headEnd < 0) return pending;
    const head = pending.subarray(0, headEnd).toString('latin1');
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    const end = headEnd + HEAD_END.length + length;
    if (pending.length < end) return pending;
    const post = head.startsWith('POST ');
    if (post) counter.add();
    socket.write(post ? NO_CONTENT : NOT_ALLOWED);
    pending = pending.subarray(end);
  }
}

if (require.main === module) {
  const counter = new Counter();
  const server = createServer((socket) => {
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = answerRequests(
        pending.length ? Buffer.concat([pending, chunk]) : chunk,
        socket,
        counter,
      );
    });
    socket.on('error', () => socket.destroy());
  });
  serveCounts(
    counter,
    new Promise((resolve) => server.listen(Number(process.argv[2]), '127.0.0.1', resolve)),
  );
}
