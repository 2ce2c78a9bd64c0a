import { InjectQueue } from '@nestjs/bull';
import {
  Injectable,
  OnApplicationShutdown,
  OnModuleInit,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Queue } from 'bull';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { EnvironmentVariables } from '../../config/env.validation';
import { closeQueue } from '../../redis/bull-internals';
import { durabilityWarnings } from '../../redis/durability';
import { withRedis } from '../../redis/with-redis';
import { EMAIL_QUEUE, WEBHOOK_QUEUE } from './email.constants';
import { CODE } from '../../common/error-codes';

const queueUnavailable = (): ServiceUnavailableException =>
  new ServiceUnavailableException({
    message: 'The queue (Redis) is unreachable; nothing was accepted. Retry later.',
    code: CODE.queue_unavailable,
  });

/** The queues' Redis connection: outage logging, durability checks, bounded calls, close. */
@Injectable()
export class EmailQueueConnection implements OnModuleInit, OnApplicationShutdown {
  private readonly reportsShared: boolean;
  /** REDIS_TIMEOUT_MS: how long one request may wait for Redis in all. */
  readonly timeoutMs: number;

  constructor(
    @InjectQueue(EMAIL_QUEUE) private readonly queue: Queue,
    @InjectQueue(WEBHOOK_QUEUE) private readonly webhookQueue: Queue,
    config: ConfigService<EnvironmentVariables, true>,
    @InjectPinoLogger(EmailQueueConnection.name) private readonly logger: PinoLogger,
  ) {
    this.timeoutMs = config.get('REDIS_TIMEOUT_MS', { infer: true });
    this.reportsShared = config.get('plan', { infer: true }).reportsShared;
  }

  onModuleInit(): void {
    // Bull re-emits every Redis error; one line per outage is what an operator needs.
    let healthy = true;
    this.queue.on('error', (error: Error) => {
      if (healthy)
        this.logger.error(
          { err: error.message },
          'redis unreachable: answering 503 until it is back',
        );
      healthy = false;
    });
    // Same Redis, same outage: the email queue's line is the one; unheard, an 'error' throws.
    this.webhookQueue.on('error', () => undefined);
    this.queue.client.on('ready', () => {
      if (!healthy) this.logger.info('redis reachable again');
      healthy = true;
    });
    if (this.reportsShared) this.queue.client.once('ready', () => void this.warnAboutDurability());
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([closeQueue(this.queue), closeQueue(this.webhookQueue)]);
  }

  /**
   * Runs a Redis operation for a request: 503 by `deadline` (the request's, see
   * redisDeadline(); else REDIS_TIMEOUT_MS from now) when Redis is away.
   */
  run<T>(operation: () => Promise<T>, deadline = Date.now() + this.timeoutMs): Promise<T> {
    return withRedis(this.queue.client, deadline, operation, queueUnavailable);
  }

  private async warnAboutDurability(): Promise<void> {
    const warnings = await durabilityWarnings(this.queue.client);
    if (!warnings)
      return void this.queue.client.once('ready', () => void this.warnAboutDurability());
    for (const warning of warnings) this.logger.warn(warning);
  }
}
