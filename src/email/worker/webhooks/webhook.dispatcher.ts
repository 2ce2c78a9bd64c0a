import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { webhookDeliveries } from '../../../common/metrics';
import { withTimeout } from '../../../common/timeout';
import { EnvironmentVariables } from '../../../config/env.validation';
import { BullJobSpec } from '../../../redis/bull-internals';
import { webhookDelay } from '../../events/webhook-queue.options';
import { WebhookJobData } from '../../events/webhook.types';
import { WebhookHoldStore } from './webhook-hold.store';
import { WebhookDelivery } from './webhook.delivery';

/** How much longer than one POST's timeout a held event waits before Bull may take it. */
export const HOLD_SLACK_MS = 15_000;
/** A POST starts only this long before Bull may take its event, so the two never overlap. */
export const START_MARGIN_MS = 5_000;

/** An event this worker added as held, and when Bull may take it. */
export type HeldSpec = BullJobSpec & { heldUntil: number };

interface Held {
  id: string;
  job: WebhookJobData;
  heldUntil: number;
}

/**
 * The first try of the events this worker's sends cause, made here, without a Bull job's
 * round trips (take, lock, finish: about 400 µs of CPU an event, measured, against 8 for the
 * release of a delivered one in a batch). Each event is still written with its status, held
 * in Bull's delayed set for WEBHOOK_TIMEOUT_MS + HOLD_SLACK_MS: delivered, it is released;
 * failed, Bull retries it on the usual schedule; if this worker dies or falls behind, Bull
 * delivers it once the hold ends. At-least-once holds throughout.
 */
@Injectable()
export class WebhookDispatcher {
  private readonly holdMs: number;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;
  private readonly lanes: number;
  private backlog: Held[] = [];
  private running = 0;
  private closed = false;
  private delivered: string[] = [];
  private flushing?: Promise<void>;
  private idle?: () => void;

  constructor(
    private readonly delivery: WebhookDelivery,
    private readonly store: WebhookHoldStore,
    config: ConfigService<EnvironmentVariables, true>,
    @InjectPinoLogger(WebhookDispatcher.name) private readonly logger: PinoLogger,
  ) {
    this.timeoutMs = config.get('WEBHOOK_TIMEOUT_MS', { infer: true });
    this.backoffMs = config.get('WEBHOOK_BACKOFF_MS', { infer: true });
    this.lanes = config.get('WEBHOOK_CONCURRENCY', { infer: true });
    // With a single try allowed, a failed first try would have to fail the job: Bull's to do.
    const retries = config.get('WEBHOOK_ATTEMPTS', { infer: true }) > 1;
    this.holdMs = retries ? this.timeoutMs + HOLD_SLACK_MS : 0;
  }

  /** `event` as this worker adds it: held, for post() to try once it is written. */
  hold(event?: BullJobSpec): BullJobSpec | undefined {
    if (!event || this.holdMs === 0 || this.closed) return event;
    return { ...event, holdMs: this.holdMs, heldUntil: Date.now() + this.holdMs } as HeldSpec;
  }

  /** Tries a held event that is now written (a no-op for any other). */
  post(event?: BullJobSpec): void {
    if (!event || !('heldUntil' in event)) return;
    const { heldUntil } = event as HeldSpec;
    const held = { id: event.id, job: JSON.parse(event.data) as WebhookJobData, heldUntil };
    if (this.closed) return void this.settle(this.store.dueNow([held.id]));
    this.backlog.push(held);
    if (this.running < this.lanes) void this.lane();
  }

  /** Stops trying: what was not started is due at once for any worker; the rest gets `graceMs`. */
  async drain(graceMs: number): Promise<boolean> {
    this.closed = true;
    const unstarted = this.backlog.splice(0).map(({ id }) => id);
    await this.settle(this.store.dueNow(unstarted));
    const finished = new Promise<void>((resolve) => {
      this.idle = resolve;
      if (this.running === 0) resolve();
    });
    const drained = await withTimeout(
      finished.then(() => true),
      graceMs,
      () => false,
    );
    await this.flush();
    return drained;
  }

  private async lane(): Promise<void> {
    this.running++;
    for (let next = this.backlog.shift(); next; next = this.backlog.shift()) await this.try(next);
    this.running--;
    if (this.running === 0) this.idle?.();
  }

  private async try(held: Held): Promise<void> {
    // Too close to the end of its hold: Bull takes it then, and two POSTs at once are waste.
    if (Date.now() + this.timeoutMs + START_MARGIN_MS > held.heldUntil) return;
    try {
      await this.delivery.deliver(held.id, held.job, 1);
      this.delivered.push(held.id);
      this.flushing ??= new Promise((resolve) => setImmediate(resolve)).then(() => this.flush());
    } catch (error) {
      const reason = (error as Error).message.slice(0, 200);
      webhookDeliveries.inc({ result: 'retried' });
      this.logger.warn(
        { event_id: held.id, type: held.job.type, attempt: 1, reason },
        'webhook failed; will retry',
      );
      const due = Date.now() + webhookDelay(1, this.backoffMs);
      await this.settle(this.store.retryLater(held.id, due, reason));
    }
  }

  /** Releases the delivered events gathered meanwhile, in one call. */
  private async flush(): Promise<void> {
    this.flushing = undefined;
    const ids = this.delivered;
    this.delivered = [];
    await this.settle(this.store.release(ids));
  }

  // A write that fails leaves the event held: Bull delivers it (again) once the hold ends.
  private async settle(write: Promise<void>): Promise<void> {
    await write.catch((error: Error) =>
      this.logger.warn({ err: error.message }, 'held webhook events left to the queue'),
    );
  }
}
