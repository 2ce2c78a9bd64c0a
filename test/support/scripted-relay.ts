import { Server, Socket, createServer } from 'node:net';
import { freePort } from './redis';

/**
 * `accept`: a plain relay (any login passes); `refuse-auth`: 535 to every login;
 * `busy`: 421 to EHLO; `refuse-sender`: 550 to MAIL FROM (the relay will not send as us);
 * `reset-before-data`: resets the connection (TCP RST) on RCPT TO,
 * so the message never left the client; `reset-after-data`: reads the whole message, then
 * resets instead of answering the final dot, so the client cannot know whether it was taken.
 */
export type RelayMode =
  'accept' | 'refuse-auth' | 'busy' | 'refuse-sender' | 'reset-before-data' | 'reset-after-data';

/**
 * An SMTP relay spoken by hand over a raw socket: smtp-server cannot reset a connection at a
 * chosen step, which is what failover has to tell apart.
 */
export class ScriptedRelay {
  mode: RelayMode = 'accept';
  /** Messages answered 250. */
  readonly delivered: string[] = [];
  /** Messages read to the final dot and then dropped by a reset. */
  readonly dropped: string[] = [];
  /** How many connections were reset on RCPT TO. */
  resetsBeforeData = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<ScriptedRelay> {
    const port = await freePort();
    const server = createServer();
    const relay = new ScriptedRelay(server, port);
    server.on('connection', (socket) => relay.converse(socket));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return relay;
  }

  /** With a login, which the relay asks for (AUTH PLAIN) and `refuse-auth` refuses. */
  get url(): string {
    return `smtp://relay-user:relay-pass@127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private converse(socket: Socket): void {
    socket.on('error', () => undefined);
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    let buffer = '';
    let inData = false;
    socket.write('220 relay ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      while (!socket.destroyed) {
        const end = buffer.indexOf(inData ? '\r\n.\r\n' : '\r\n');
        if (end < 0) return;
        const text = buffer.slice(0, end);
        buffer = buffer.slice(end + (inData ? 5 : 2));
        if (inData) this.message(socket, text);
        inData = !inData && this.reply(socket, text.toUpperCase()) === 'data';
      }
    });
  }

  private reply(socket: Socket, command: string): 'data' | undefined {
    if (command.startsWith('EHLO') && this.mode === 'busy') {
      socket.end('421 4.3.2 Shutting down\r\n');
      return undefined;
    }
    if (command.startsWith('MAIL') && this.mode === 'refuse-sender') {
      socket.write('550 5.7.1 Sender not allowed\r\n');
      return undefined;
    }
    if (command.startsWith('RCPT') && this.mode === 'reset-before-data') {
      this.resetsBeforeData++;
      socket.resetAndDestroy();
    } else if (command.startsWith('DATA')) {
      socket.write('354 go ahead\r\n');
      return 'data';
    } else if (command.startsWith('AUTH')) {
      socket.write(
        this.mode === 'refuse-auth' ? '535 5.7.8 Bad credentials\r\n' : '235 2.7.0 ok\r\n',
      );
    } else if (command.startsWith('QUIT')) socket.end('221 bye\r\n');
    else
      socket.write(command.startsWith('EHLO') ? '250-relay\r\n250 AUTH PLAIN\r\n' : '250 ok\r\n');
    return undefined;
  }

  private message(socket: Socket, message: string): void {
    if (this.mode === 'reset-after-data') {
      this.dropped.push(message);
      socket.resetAndDestroy();
    } else {
      this.delivered.push(message);
      socket.write('250 queued\r\n');
    }
  }
}
