import { InjectQueue } from '@nestjs/bull';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job, Queue } from 'bull';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { EnvironmentVariables } from '../../config/env.validation';
import { withTimeout } from '../../common/timeout';
import { tolerateUnnamedWorker } from '../../redis/bull-internals';
import { EmailOutcomeStore } from '../store/email-outcome.store';
import { EMAIL_QUEUE, SEND_EMAIL_JOB } from '../store/email.constants';
import { EmailJobData } from '../store/email.types';
import { Attempt, EmailOutcomeRecorder } from './email-outcome.recorder';
import { MailPreparer } from './mail.preparer';
import { lastFailure } from './send-failure';
import { Delivery, FailoverSender } from './transports/failover.sender';
import { SendLoad } from './webhooks/send-load';
import { SendSuppressions, refusalsIn } from '../suppressions/send-suppressions';

export interface SendResult {
  message_id: string;
  accepted: number;
  rejected: string[];
  skipped?: string;
}

type SmtpResult = { accepted?: unknown[]; rejected?: unknown[]; rejectedErrors?: unknown[] };

/** Why an attempt sends nothing, by what its start found. */
const SKIPPED: Record<string, string> = {
  // The request was answered 503 after all.
  undefined: 'never acknowledged to the caller',
  // A crash hit after the SMTP 250.
  sent: 'already sent',
  // Canceled by the API (its script takes the job, so only a worker that lost its lock is here).
  canceled: 'canceled',
  // The job's lock expired (a long pause) and another worker, or a cancel, has it now.
  lost: 'the job is no longer this worker’s',
};

/**
 * The worker: renders and sends one queued email per job. Registered with queue.process()
 * rather than @Process() because its concurrency comes from config.
 */
@Injectable()
export class EmailProcessor implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(EMAIL_QUEUE) private readonly queue: Queue<EmailJobData>,
    private readonly preparer: MailPreparer,
    private readonly sender: FailoverSender,
    private readonly store: EmailOutcomeStore,
    private readonly outcomes: EmailOutcomeRecorder,
    private readonly load: SendLoad,
    private readonly suppressions: SendSuppressions,
    private readonly config: ConfigService<EnvironmentVariables, true>,
    @InjectPinoLogger(EmailProcessor.name) private readonly logger: PinoLogger,
  ) {}

  onApplicationBootstrap(): void {
    const concurrency = this.config.get('WORKER_CONCURRENCY', { infer: true });
    this.queue.on(
      'failed',
      (job: Job<EmailJobData>, error: Error) => void this.onBullFailure(job, error),
    );
    tolerateUnnamedWorker(this.queue);
    this.queue
      .process(SEND_EMAIL_JOB, concurrency, (job) => {
        this.load.started();
        return this.send(job).finally(() => this.load.ended());
      })
      .catch((error: Error) => this.logger.fatal({ err: error.message }, 'worker stopped'));
    this.logger.info({ concurrency }, 'worker started');
  }

  /**
   * Stops taking jobs and waits up to `graceMs` for the sends in flight. Whatever is still
   * running after that keeps its lock in Redis and is taken up again by a worker once the
   * lock expires: at-least-once, never lost.
   */
  async drain(graceMs: number): Promise<boolean> {
    // Pausing reconnects Bull's blocking client; with Redis away that fails, and the jobs in
    // flight cannot finish either: report "not drained" instead of throwing.
    const finished = this.queue.pause(true).then(
      () => true,
      () => false,
    );
    return withTimeout(finished, graceMs, () => false);
  }

  async send(job: Job<EmailJobData>): Promise<SendResult> {
    // No child logger per job: its bindings would be serialised for every mail. Each line
    // names the job itself; one info line per outcome.
    const log = this.logger.logger;
    // The job's own id, not one read from its data: the data is untrusted until checked.
    const at = { job_id: job.id, attempt: job.attemptsMade + 1 };
    const skipped = SKIPPED[String(await this.store.begin(job, at.attempt))];
    if (skipped) {
      log.warn({ ...at, skipped }, 'not sending');
      return { message_id: '', accepted: 0, rejected: [], skipped };
    }
    log.debug(at, 'sending');
    const started = Date.now();
    let delivery: Delivery | undefined;
    let suppressed: string[];
    try {
      const prepared = await this.preparer.prepare(job.data);
      suppressed = prepared.suppressed;
      if (prepared.mail) delivery = await this.sender.send(job, prepared.mail);
    } catch (error) {
      await this.noteRefusals(job, at, lastFailure(error));
      await this.outcomes.failed(job, error, at);
      throw error;
    }
    if (!delivery) return this.allSuppressed(job, at, suppressed);
    const info = delivery.info as SmtpResult;
    // After the 250 nothing is a failed send: should this write fail, the job fails with no
    // send failure recorded, and its retry finds the record `sending` (at least once, SPEC §5).
    const rejected = (info.rejected ?? []).map(String);
    const accepted = info.accepted?.length ?? 0;
    const ms = Date.now() - started;
    const { transport, errors } = delivery;
    await this.outcomes.sent(job, at, ms, { rejected, suppressed, transport, errors });
    await this.noteRefusals(job, at, info);
    log.info(
      { ...at, ms, transport, accepted, rejected: rejected.length, suppressed: suppressed.length },
      'sent',
    );
    return { message_id: job.data.message_id, accepted, rejected };
  }

  /** Every recipient is on the key's list: nothing is sent, the email ends `suppressed`. */
  private async allSuppressed(
    job: Job<EmailJobData>,
    at: Attempt,
    suppressed: string[],
  ): Promise<SendResult> {
    await this.outcomes.suppressed(job, at, suppressed);
    this.logger.logger.info({ ...at, suppressed: suppressed.length }, 'suppressed');
    return { message_id: job.data.message_id, accepted: 0, rejected: [], skipped: 'suppressed' };
  }

  /**
   * Recipients refused for good go on the key's list. Never a reason to fail the job: after a
   * 250 that would send the mail again, and a failure is recorded as it is.
   */
  private async noteRefusals(job: Job<EmailJobData>, at: Attempt, source: unknown): Promise<void> {
    const refusals = refusalsIn(source);
    if (refusals.length === 0) return;
    const log = this.logger.logger;
    try {
      const added = await this.suppressions.recordRefusals(job.data, refusals);
      if (added.length > 0)
        log.info({ ...at, added: added.length }, 'refused recipients suppressed');
    } catch (error) {
      log.error({ ...at, err: (error as Error).message }, 'refused recipients not suppressed');
    }
  }

  /** Failures Bull decides on its own (a job whose worker kept dying) reach the status too. */
  private async onBullFailure(job: Job<EmailJobData>, error: Error): Promise<void> {
    if (!/stalled/i.test(error.message)) return;
    await this.outcomes
      .stalled(job, error.message)
      .catch((failure: Error) =>
        this.logger.error({ job_id: job.id, err: failure.message }, 'stalled job not recorded'),
      );
  }
}
