import { InjectQueue } from '@nestjs/bull';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job, Queue } from 'bull';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { webhookDeliveries } from '../../../common/metrics';
import { withTimeout } from '../../../common/timeout';
import { EnvironmentVariables } from '../../../config/env.validation';
import { tolerateUnnamedWorker } from '../../../redis/bull-internals';
import { WebhookEndpoints } from '../../events/webhook-endpoints';
import { WebhookJobData } from '../../events/webhook.types';
import { DELIVER_WEBHOOK_JOB, WEBHOOK_QUEUE } from '../../store/email.constants';
import { SendLoad } from './send-load';
import { postWebhook } from './webhook.sender';

/**
 * Delivers the events the status writes queued (EmailStatusStore), with a concurrency of its
 * own (WEBHOOK_CONCURRENCY), so that a slow or dead endpoint never holds up a send. A failed
 * POST throws: Bull retries it after WEBHOOK_BACKOFF_MS-based backoff, WEBHOOK_ATTEMPTS times.
 */
@Injectable()
export class WebhookProcessor implements OnApplicationBootstrap {
  private readonly timeoutMs: number;

  constructor(
    @InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue<WebhookJobData>,
    private readonly endpoints: WebhookEndpoints,
    private readonly load: SendLoad,
    private readonly config: ConfigService<EnvironmentVariables, true>,
    @InjectPinoLogger(WebhookProcessor.name) private readonly logger: PinoLogger,
  ) {
    this.timeoutMs = config.get('WEBHOOK_TIMEOUT_MS', { infer: true });
  }

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

  async deliver(job: Job<WebhookJobData>): Promise<number | undefined> {
    const id = String(job.id);
    const { owner, type, body } = job.data;
    const at = { event_id: id, type, attempt: job.attemptsMade + 1 };
    // Looked up now, not stored with the job: a key whose endpoint was removed gets nothing.
    const endpoint = this.endpoints.wants(owner, type)
      ? this.endpoints.endpointOf(owner)
      : undefined;
    if (!endpoint || typeof body !== 'string') {
      webhookDeliveries.inc({ result: 'dropped' });
      this.logger.warn(at, 'webhook dropped: no endpoint for it');
      return undefined;
    }
    await this.load.yieldToSends();
    const started = Date.now();
    const status = await postWebhook(endpoint, id, body, this.timeoutMs);
    if (status < 200 || status >= 300) throw new Error(`the endpoint answered HTTP ${status}`);
    webhookDeliveries.inc({ result: 'delivered' });
    // debug, not info: at one event a mail, an info line each would cost more than the POST.
    this.logger.debug({ ...at, status, ms: Date.now() - started }, 'webhook delivered');
    return status;
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
