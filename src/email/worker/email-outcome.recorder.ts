import { Injectable } from '@nestjs/common';
import type { Job } from 'bull';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { EmailEventFactory } from '../events/email-event.factory';
import { EmailStatsStore, Outcome } from '../store/email-stats.store';
import { EmailOutcomeStore, Finish } from '../store/email-outcome.store';
import { StatusUpdate } from '../store/email-status.store';
import { MAX_STALLS } from '../store/email.constants';
import { EmailJobData, restingData } from '../store/email.types';
import { TemplateService } from '../template.service';
import { BullJobSpec } from '../../redis/bull-internals';
import { jobDataProblem } from './job-data.check';
import { classifyFailure } from './send-failure';
import { TransportError, TransportsFailed } from './transports/failover.sender';
import { WebhookDispatcher } from './webhooks/webhook.dispatcher';

/** One attempt of a job, as each of its log lines names it. */
export interface Attempt {
  job_id: Job['id'];
  attempt: number;
}

/**
 * What became of an attempt: the status record, the shared counts, this process's metrics,
 * the event for the key's webhook (written with the record, in one call, then tried at once
 * by WebhookDispatcher) and one log line.
 */
@Injectable()
export class EmailOutcomeRecorder {
  constructor(
    private readonly outcomes: EmailOutcomeStore,
    private readonly stats: EmailStatsStore,
    private readonly events: EmailEventFactory,
    private readonly templates: TemplateService,
    private readonly webhooks: WebhookDispatcher,
    @InjectPinoLogger(EmailOutcomeRecorder.name) private readonly logger: PinoLogger,
  ) {}

  async sent(
    job: Job<EmailJobData>,
    at: Attempt,
    ms: number,
    how: { rejected: string[]; suppressed: string[]; transport: string; errors: TransportError[] },
  ): Promise<void> {
    const { from, to, cc, bcc, subject } = job.data;
    const { rejected, suppressed, transport } = how;
    const sent: StatusUpdate = {
      status: 'sent',
      sent_at: new Date().toISOString(),
      rejected,
      summary: { from, to, cc, bcc, subject },
      transport,
    };
    if (suppressed.length > 0) sent.suppressed = suppressed;
    if (how.errors.length > 0) sent.transport_errors = how.errors;
    const event = this.events.build(job.data, 'email.sent', {
      status: 'sent',
      attempts: at.attempt,
    });
    const more = { resting: restingData(job.data), event };
    const detail = { seconds: ms / 1000, transport };
    await this.finish(String(job.id), { ...sent, status: 'sent' }, detail, more);
  }

  /** Every recipient is on the key's suppression list: nothing was sent, nor will be. */
  async suppressed(job: Job<EmailJobData>, at: Attempt, suppressed: string[]): Promise<void> {
    const change = { status: 'suppressed', attempts: at.attempt };
    const event = this.events.build(job.data, 'email.suppressed', change);
    const update = { status: 'suppressed' as const, suppressed };
    await this.finish(String(job.id), update, {}, { resting: restingData(job.data), event });
  }

  async failed(job: Job<EmailJobData>, error: unknown, at: Attempt): Promise<void> {
    const { permanent, reason, metric } = classifyFailure(error);
    const final = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (permanent) await job.discard();
    const status = final ? 'failed' : 'queued';
    const type = final ? 'email.failed' : 'email.delivery_delayed';
    const change = { status, attempts: at.attempt, error: reason };
    // A job that failed its check names no one to tell: its data is not to be trusted. The
    // attempt is in the event's id: a job retried from the board fails again as a new event.
    const event =
      metric === 'invalid_job' ? undefined : this.events.build(job.data, type, change, at.attempt);
    const id = String(job.id);
    const transport_errors = error instanceof TransportsFailed ? error.errors : undefined;
    if (final)
      await this.finish(
        id,
        { status: 'failed', error: reason, transport_errors },
        { reason: metric },
        { event },
      );
    else await this.change(id, { status, error: reason, transport_errors }, event);
    const log = this.logger.logger;
    if (final) log.error({ ...at, reason, permanent }, 'failed');
    else log.warn({ ...at, reason }, 'send failed; will retry');
  }

  /** A job whose worker kept dying, failed by Bull itself (attemptsMade not counting it). */
  async stalled(job: Job<EmailJobData>, why: string): Promise<void> {
    this.logger.error({ job_id: job.id, reason: why }, 'failed');
    const error = `the worker stopped while sending, ${MAX_STALLS} times`;
    const attempt = job.attemptsMade + 1;
    const change = { status: 'failed', attempts: attempt, error };
    const event = jobDataProblem(job.data, this.templates)
      ? undefined
      : this.events.build(job.data, 'email.failed', change, attempt);
    await this.finish(
      String(job.id),
      { status: 'failed', error },
      { reason: 'stalled' },
      { event },
    );
  }

  /** An email's final state: this process's metrics, then its record and the shared counts. */
  private async finish(
    id: string,
    update: StatusUpdate & { status: Outcome },
    detail: { seconds?: number; reason?: string; transport?: string },
    more: Finish,
  ): Promise<void> {
    this.stats.observe(update.status, detail);
    const event = this.webhooks.hold(more.event);
    await this.outcomes.finish(id, update, update.status, { ...more, event });
    this.webhooks.post(event);
  }

  /** A change on the way (a retry to come), with its event. */
  private async change(id: string, update: StatusUpdate, event?: BullJobSpec): Promise<void> {
    const held = this.webhooks.hold(event);
    await this.outcomes.update(id, update, held);
    this.webhooks.post(held);
  }
}
