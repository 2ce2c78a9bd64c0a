import { ISendMailOptions, MailerService } from '@nestjs-modules/mailer';
import { InjectQueue } from '@nestjs/bull';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job, Queue } from 'bull';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { EnvironmentVariables } from '../../config/env.validation';
import { withTimeout } from '../../common/timeout';
import { tolerateUnnamedWorker } from '../../redis/bull-internals';
import { EmailStatsStore } from '../store/email-stats.store';
import { EmailStatusStore } from '../store/email-status.store';
import { EMAIL_QUEUE, MAX_STALLS, SEND_EMAIL_JOB } from '../store/email.constants';
import { EmailJobData, restingData } from '../store/email.types';
import { OUTBOX_TRANSPORT } from './mail-transport';
import { jobDataProblem } from './job-data.check';
import { InvalidJobError, classifyFailure } from './send-failure';
import { TemplateService, htmlToText } from '../template.service';

export interface SendResult {
  message_id: string;
  accepted: number;
  rejected: string[];
  skipped?: string;
}

/**
 * The worker: renders and sends one queued email per job. Registered with queue.process()
 * rather than @Process() because its concurrency comes from config.
 */
@Injectable()
export class EmailProcessor implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(EMAIL_QUEUE) private readonly queue: Queue<EmailJobData>,
    private readonly mailer: MailerService,
    private readonly templates: TemplateService,
    private readonly statuses: EmailStatusStore,
    private readonly stats: EmailStatsStore,
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
      .process(SEND_EMAIL_JOB, concurrency, (job) => this.send(job))
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
    // The job's own id, not one read from its data: the data is untrusted until checked.
    const id = String(job.id);
    const attempt = job.attemptsMade + 1;
    const log = this.logger.logger.child({ job_id: job.id, attempt });
    const state = await this.statuses.begin(id, attempt);
    if (state === undefined || state === 'sent') {
      // Missing: the request was answered 503 after all. Sent: a crash hit after the SMTP 250.
      const skipped = state ? 'already sent' : 'never acknowledged to the caller';
      log.warn({ skipped }, 'not sending');
      return { message_id: '', accepted: 0, rejected: [], skipped };
    }
    log.debug('sending');
    const started = Date.now();
    try {
      const problem = jobDataProblem(job.data, this.templates);
      if (problem) throw new InvalidJobError(problem);
      const { message_id } = job.data;
      const info = await this.mailer.sendMail(this.compose(job.data));
      const rejected = (info.rejected ?? []).map(String);
      const ms = Date.now() - started;
      // Issued together, the two writes share one round trip; the status is what matters.
      const sent = { status: 'sent' as const, sent_at: new Date().toISOString(), rejected };
      await Promise.all([
        this.statuses.markSent(id, sent, restingData(job.data)),
        this.stats.record('sent', { seconds: ms / 1000 }),
      ]);
      log.info({ ms, accepted: info.accepted?.length ?? 0, rejected: rejected.length }, 'sent');
      return { message_id, accepted: info.accepted?.length ?? 0, rejected };
    } catch (error) {
      await this.recordFailure(job, error, log);
      throw error;
    }
  }

  /** Failures Bull decides on its own (a job whose worker kept dying) reach the status too. */
  private async onBullFailure(job: Job<EmailJobData>, error: Error): Promise<void> {
    if (!/stalled/i.test(error.message)) return;
    this.logger.error({ job_id: job.id, reason: error.message }, 'failed');
    await this.stats.record('failed', { reason: 'stalled' });
    await this.statuses
      .update(job.data.id, {
        status: 'failed',
        error: `the worker stopped while sending, ${MAX_STALLS} times`,
      })
      .catch(() => undefined);
  }

  private async recordFailure(
    job: Job<EmailJobData>,
    error: unknown,
    log: PinoLogger['logger'],
  ): Promise<void> {
    const { permanent, reason, metric } = classifyFailure(error);
    const final = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (permanent) await job.discard();
    await this.statuses.update(String(job.id), {
      status: final ? 'failed' : 'queued',
      error: reason,
    });
    if (final) await this.stats.record('failed', { reason: metric });
    if (final) log.error({ reason, permanent }, 'failed');
    else log.warn({ reason }, 'send failed; will retry');
  }

  private compose(data: EmailJobData): ISendMailOptions {
    const body = data.template
      ? this.templates.render(data.template, data.context)
      : { html: data.html, text: data.text ?? (data.html ? htmlToText(data.html) : undefined) };
    return {
      transporterName: data.test ? OUTBOX_TRANSPORT : undefined,
      messageId: data.message_id,
      from: data.from,
      to: data.to,
      cc: data.cc,
      bcc: data.bcc,
      replyTo: data.reply_to,
      subject: data.subject,
      ...body,
      headers: data.headers,
      attachments: data.attachments?.map((attachment) => ({
        filename: attachment.filename,
        content: Buffer.from(attachment.content, 'base64'),
        contentType: attachment.content_type,
      })),
    };
  }
}
