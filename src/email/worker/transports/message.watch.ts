import type { MailerPlugin } from '@nestjs-modules/mailer';
import type { Readable } from 'node:stream';

/** The send option that hands a watch to the plugin (nodemailer copies options shallowly). */
export const MESSAGE_WATCH = 'messageWatch';

/**
 * Whether any byte of a message left for the server. nodemailer's SMTP client pipes the
 * message only after the server's 354 to DATA, so a stream never read proves the server holds
 * none of it, whatever broke the connection: nodemailer's pool judges a retry by the same
 * `readableDidRead`. A reset or timeout before that point cannot have delivered anything.
 */
export class MessageWatch {
  private stream?: Readable;
  /** What `onStart` returned, once the message began to leave. */
  whenStarted?: Promise<boolean>;

  /** `onStart` runs as the first byte leaves (the stream starts to flow into the socket). */
  constructor(private readonly onStart: (() => Promise<boolean>) | null = null) {}

  /** The stream nodemailer sends; a retry inside its pool replaces the previous one. */
  watch(stream: Readable): Readable {
    this.stream = stream;
    const onStart = this.onStart;
    if (onStart)
      stream.once('resume', () => {
        this.whenStarted ??= onStart();
      });
    return stream;
  }

  get started(): boolean {
    return this.stream?.readableDidRead === true;
  }
}

interface StreamStageMail {
  data: Record<string, unknown>;
  message: { createReadStream: (options?: object) => Readable };
}

/**
 * nodemailer's `stream` step runs before the transport asks for the message stream, and
 * createReadStream returns the finished stream (DKIM's signing included): the one the SMTP
 * client writes to the socket.
 */
export const messageWatchPlugin: MailerPlugin = {
  step: 'stream',
  plugin: (mail: StreamStageMail, done) => {
    const watch = mail.data[MESSAGE_WATCH];
    if (watch instanceof MessageWatch) {
      const create = mail.message.createReadStream.bind(mail.message);
      mail.message.createReadStream = (options) => watch.watch(create(options));
    }
    done();
  },
};
