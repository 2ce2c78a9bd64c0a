import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { webhookDeliveries } from '../../../common/metrics';
import { EnvironmentVariables } from '../../../config/env.validation';
import { WebhookEndpoints } from '../../events/webhook-endpoints';
import { WebhookJobData } from '../../events/webhook.types';
import { SendLoad } from './send-load';
import { postWebhook } from './webhook.sender';

/**
 * One POST of one event, for both routes an event takes (WebhookDispatcher's first try,
 * WebhookProcessor's retries), with one limit on the POSTs in flight in this process
 * (WEBHOOK_CONCURRENCY), whichever route they came by.
 */
@Injectable()
export class WebhookDelivery {
  private readonly timeoutMs: number;
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly endpoints: WebhookEndpoints,
    private readonly load: SendLoad,
    config: ConfigService<EnvironmentVariables, true>,
    @InjectPinoLogger(WebhookDelivery.name) private readonly logger: PinoLogger,
  ) {
    this.timeoutMs = config.get('WEBHOOK_TIMEOUT_MS', { infer: true });
    this.free = config.get('WEBHOOK_CONCURRENCY', { infer: true });
  }

  /**
   * POSTs event `id` as try `attempt`: true once answered 2xx, false when its key no longer
   * has an endpoint for it (dropped); a failed POST throws.
   */
  async deliver(
    id: string,
    { owner, type, body }: WebhookJobData,
    attempt: number,
  ): Promise<boolean> {
    const at = { event_id: id, type, attempt };
    // Looked up now, not stored with the job: a key whose endpoint was removed gets nothing.
    const endpoint = this.endpoints.wants(owner, type)
      ? this.endpoints.endpointOf(owner)
      : undefined;
    if (!endpoint || typeof body !== 'string') {
      webhookDeliveries.inc({ result: 'dropped' });
      this.logger.warn(at, 'webhook dropped: no endpoint for it');
      return false;
    }
    await this.load.yieldToSends();
    await this.slot();
    const started = Date.now();
    try {
      const status = await postWebhook(endpoint, id, body, this.timeoutMs);
      if (status < 200 || status >= 300) throw new Error(`the endpoint answered HTTP ${status}`);
      webhookDeliveries.inc({ result: 'delivered' });
      // debug, not info: at one event a mail, an info line each would cost more than the POST.
      this.logger.debug({ ...at, status, ms: Date.now() - started }, 'webhook delivered');
      return true;
    } finally {
      this.release();
    }
  }

  private async slot(): Promise<void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
