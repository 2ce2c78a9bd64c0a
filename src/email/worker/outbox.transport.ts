import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SentMessageInfo, Transport } from 'nodemailer';
import type { ResultCallback } from 'nodemailer/lib/errors';
import type { MailMessage } from 'nodemailer/lib/mailer';

/**
 * Writes each mail as an .eml file instead of sending it: the default when no SMTP_URL is
 * set, so a fresh install works with only Redis, and the sink for test-mode keys.
 */
export class OutboxTransport implements Transport {
  readonly name = 'outbox';
  readonly version = '1';
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
    mkdirSync(this.dir, { recursive: true });
  }

  send(mail: MailMessage, callback: ResultCallback<SentMessageInfo>): void {
    mail.message.build((error, raw) => {
      if (error) return callback(error, undefined);
      const messageId = mail.message.messageId();
      // The Message-ID is ours (<uuid@domain>); keep only safe characters for the file name.
      const file = join(this.dir, `${Date.now()}-${messageId.replace(/[^A-Za-z0-9.@-]/g, '')}.eml`);
      try {
        writeFileSync(`${file}.tmp`, raw);
        renameSync(`${file}.tmp`, file);
      } catch (writeError) {
        return callback(writeError as Error, undefined);
      }
      const envelope = mail.message.getEnvelope();
      callback(null, {
        envelope,
        messageId,
        accepted: envelope.to,
        rejected: [],
        response: `written to ${file}`,
      });
    });
  }
}
