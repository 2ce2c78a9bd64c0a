import type { MailerOptions } from '@nestjs-modules/mailer';
import { ConfigService } from '@nestjs/config';
import type { SMTPPoolOptions } from 'nodemailer/lib/smtp-pool';
import { EnvironmentVariables } from '../../config/env.validation';
import { OutboxTransport } from './outbox.transport';

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

export const OUTBOX_TRANSPORT = 'outbox';

/** The default transport (SMTP, or the outbox without SMTP_URL), plus the outbox by name for test keys. */
export function mailerOptions(config: ConfigService<EnvironmentVariables, true>): MailerOptions {
  const smtpUrl = config.get('SMTP_URL', { infer: true });
  const outbox = new OutboxTransport(config.get('OUTBOX_DIR', { infer: true }));
  const concurrency = config.get('WORKER_CONCURRENCY', { infer: true });
  const timeoutMs = config.get('SMTP_TIMEOUT_MS', { infer: true });
  return {
    transport: smtpUrl ? smtpOptions(smtpUrl, concurrency, timeoutMs) : outbox,
    transports: { [OUTBOX_TRANSPORT]: outbox },
    // The mailer passes these to every transport: the only channel a transport plugin such
    // as the outbox has for nodemailer's sandbox, which SMTP also gets from smtpOptions().
    defaults: { disableFileAccess: true, disableUrlAccess: true },
  };
}
