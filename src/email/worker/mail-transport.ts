import type { MailerOptions } from '@nestjs-modules/mailer';
import { ConfigService } from '@nestjs/config';
import type { SMTPPoolOptions } from 'nodemailer/lib/smtp-pool';
import { EnvironmentVariables } from '../../config/env.validation';
import { RESERVED_TRANSPORT } from '../../config/transports.config';
import { OutboxTransport } from './outbox.transport';
import { messageWatchPlugin } from './transports/message.watch';

/** SMTP_URL → a pooled SMTP transport with bounded timeouts (smtps:// means implicit TLS). */
export function smtpOptions(
  smtpUrl: string,
  maxConnections: number,
  timeoutMs: number,
): SMTPPoolOptions {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  return {
    pool: true,
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    auth: url.username
      ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
      : undefined,
    maxConnections,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/**
 * One pooled SMTP transport per configured name (TRANSPORTS_FILE, or SMTP_URL as `default`),
 * plus the outbox by name: the default, and the test keys' and the no-SMTP sink.
 */
export function mailerOptions(config: ConfigService<EnvironmentVariables, true>): MailerOptions {
  const outbox = new OutboxTransport(config.get('OUTBOX_DIR', { infer: true }));
  const concurrency = config.get('WORKER_CONCURRENCY', { infer: true });
  const timeoutMs = config.get('SMTP_TIMEOUT_MS', { infer: true });
  const smtp = (config.get('transports', { infer: true }) ?? []).map(
    ({ name, url, pool }): [string, SMTPPoolOptions] => [
      name,
      smtpOptions(url, pool ?? concurrency, timeoutMs),
    ],
  );
  return {
    transport: outbox,
    transports: { ...Object.fromEntries(smtp), [RESERVED_TRANSPORT]: outbox },
    // The mailer passes these to every transport: the only channel a transport plugin such
    // as the outbox has for nodemailer's sandbox, which SMTP also gets from smtpOptions().
    defaults: { disableFileAccess: true, disableUrlAccess: true },
    plugins: [messageWatchPlugin],
  };
}
