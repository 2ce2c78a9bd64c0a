import { InjectQueue } from '@nestjs/bull';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job, Queue } from 'bull';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { webhookDeliveries } from '../../../common/metrics';
import { withTimeout } from '../../../common/timeout';
import { EnvironmentVariables } from '../../../config/env.validation';
import { tolerateUnnamedWorker } from '../../../redis/bull-internals';
import { WebhookJobData } from '../../events/webhook.types';
import { DELIVER_WEBHOOK_JOB, WEBHOOK_QUEUE } from '../../store/email.constants';
import { WebhookDelivery } from './webhook.delivery';

/**
 * Delivers, as Bull jobs, the events no worker tried at once (a cancel's), the retries of
 * those whose first try failed, and the held ones their worker did not settle in time
 * (WebhookDispatcher), with a concurrency of its own (WEBHOOK_CONCURRENCY), so that a slow or
 * dead endpoint never holds up a send. A failed POST throws: Bull retries it after
 * WEBHOOK_BACKOFF_MS-based backoff, up to WEBHOOK_ATTEMPTS tries in all.
 */
@Injectable()
export class WebhookProcessor implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue<WebhookJobData>,
    private readonly delivery: WebhookDelivery,
    private readonly config: ConfigService<EnvironmentVariables, true>,
    @InjectPinoLogger(WebhookProcessor.name) private readonly logger: PinoLogger,
  ) {}

  onApplicationBootstrap(): void {
    const concurrency = this.config.get('WEBHOOK_CONCURRENCY', { infer: true });
    this.queue.on('failed', (job: Job<WebhookJobData>, error: Error) => this.onFailed(job, error));
    tolerateUnnamedWorker(this.queue);
    this.queue
      .process(DELIVER_WEBHOOK_JOB, concurrency, (job) => this.deliver(job))
      .catch((error: Error) => this.logger.fatal({ err: error.message }, 'webhooks stopped'));
  }

  /** Stops taking events; those in flight get up to `graceMs` (else they are retried). */
  async drain(graceMs: number): Promise<boolean> {
    const finished = this.queue.pause(true).then(
      () => true,
      () => false,
    );
    return withTimeout(finished, graceMs, () => false);
  }

  /** A retry, or a held event its worker did not settle in time (WebhookDispatcher). */
  async deliver(job: Job<WebhookJobData>): Promise<boolean> {
    return this.delivery.deliver(String(job.id), job.data, job.attemptsMade + 1);
  }

  private onFailed(job: Job<WebhookJobData>, error: Error): void {
    // Bull fails a job that stalled too often without counting the attempt: that is final too.
    const final = /stalled/i.test(error.message) || job.attemptsMade >= (job.opts.attempts ?? 1);
    const at = { event_id: job.id, type: job.data.type, attempt: job.attemptsMade };
    const reason = error.message.slice(0, 200);
    webhookDeliveries.inc({ result: final ? 'exhausted' : 'retried' });
    if (final)
      this.logger.error({ ...at, reason }, 'webhook failed for good: retry it from /queues');
    else this.logger.warn({ ...at, reason }, 'webhook failed; will retry');
  }
}
