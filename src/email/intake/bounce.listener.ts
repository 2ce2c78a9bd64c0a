import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { SMTPServer, SMTPServerAddress, SMTPServerDataStream } from 'smtp-server';
import { EnvironmentVariables } from '../../config/env.validation';
import { EmailQueueConnection } from '../store/email-queue.connection';
import { BounceIntake } from './bounce-intake.service';
import { MAX_REPORT_BYTES } from './bounces.controller';

const MAX_CLIENTS = 100;

const reply = (responseCode: number, message: string): Error =>
  Object.assign(new Error(message), { responseCode });

/**
 * The inbound SMTP listener of SPEC §8 on BOUNCE_SMTP_PORT: accepts mail for BOUNCE_DOMAIN
 * (from anyone, the null sender of bounces included; no AUTH, no STARTTLS) and hands each
 * message to the intake. It runs in the API processes, beside the other intake (POST
 * /bounces); under ROLE=all node:cluster shares its port between them as it shares PORT.
 */
@Injectable()
export class BounceListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: SMTPServer;
  private readonly domain?: string;

  constructor(
    private readonly intake: BounceIntake,
    private readonly connection: EmailQueueConnection,
    private readonly config: ConfigService<EnvironmentVariables, true>,
    @InjectPinoLogger(BounceListener.name) private readonly logger: PinoLogger,
  ) {
    this.domain = config.get('BOUNCE_DOMAIN', { infer: true }) || undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    // Unset, ConfigService falls back to the raw environment, where it may be '': off too.
    const port = this.config.get('BOUNCE_SMTP_PORT', { infer: true });
    if (!port) return;
    const host = this.config.get('BOUNCE_SMTP_HOST', { infer: true });
    const server = new SMTPServer({
      logger: false,
      banner: 'bounces and complaints only',
      disabledCommands: ['AUTH', 'STARTTLS'],
      authOptional: true,
      size: MAX_REPORT_BYTES,
      maxClients: MAX_CLIENTS,
      closeTimeout: 2000,
      onRcptTo: (address, _session, callback) => callback(this.refusalOf(address)),
      onData: (stream, _session, callback) => this.receive(stream, callback),
    });
    // A client that resets its connection is an 'error' event: never a crash.
    server.on('error', (error) => this.logger.debug({ err: error.message }, 'bounce listener'));
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    this.logger.info({ port, host, domain: this.domain }, 'bounce listener started');
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private refusalOf({ address }: SMTPServerAddress): Error | undefined {
    const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
    return domain === this.domain ? undefined : reply(550, '5.1.1 Not a bounce address here');
  }

  private receive(stream: SMTPServerDataStream, callback: (error?: Error) => void): void {
    const chunks: Buffer[] = [];
    let length = 0;
    stream.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length <= MAX_REPORT_BYTES) chunks.push(chunk);
    });
    stream.once('error', () => callback(reply(451, '4.3.0 Message not received')));
    stream.once('end', () => {
      if (stream.sizeExceeded)
        return callback(reply(552, '5.3.4 Message larger than the 1 MiB this server takes'));
      void this.take(Buffer.concat(chunks)).then(callback);
    });
  }

  /**
   * The message applied (or dropped): no error. When Redis is away for REDIS_TIMEOUT_MS, as a
   * request would get a 503, the sending MTA gets a 451 and tries again later.
   */
  private async take(raw: Buffer): Promise<Error | undefined> {
    const result = await this.connection
      .run(() => this.intake.take(raw))
      .catch(() => 'failed' as const);
    return result === 'failed' ? reply(451, '4.3.0 Try again later') : undefined;
  }
}
