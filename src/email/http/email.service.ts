import { InjectQueue } from '@nestjs/bull';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { Queue } from 'bull';
import { ApiKeyRecord } from '../../config/api-key.parser';
import { AcceptedBatchDto, AcceptedEmailDto } from '../dto/responses.dto';
import { SendBatchDto } from '../dto/send-batch.dto';
import { SendEmailDto } from '../dto/send-email.dto';
import { RescheduleEmailDto, sendAtProblems } from '../dto/schedule.dto';
import { EmailJobBuilder, PreparedEmail } from './email-job.builder';
import { EmailQueueConnection } from '../store/email-queue.connection';
import { EmailStatusStore } from '../store/email-status.store';
import { EmailScheduleStore, ScheduleChange } from '../store/email-schedule.store';
import { EMAIL_QUEUE, SEND_EMAIL_JOB } from '../store/email.constants';
import { EmailJobData, EmailStatus } from '../store/email.types';
import { CODE } from '../../common/error-codes';
import { BullJobSpec } from '../../redis/bull-internals';
import { EmailEventFactory } from '../events/email-event.factory';
import { validationFailed } from '../../common/validation.errors';

export type AcceptedEmail = AcceptedEmailDto;
export type AcceptedBatch = AcceptedBatchDto;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const notFound = (id: string): NotFoundException =>
  new NotFoundException({ message: `No email ${id} for this API key`, code: CODE.not_found });

@Injectable()
export class EmailService {
  constructor(
    @InjectQueue(EMAIL_QUEUE) private readonly queue: Queue<EmailJobData>,
    private readonly statuses: EmailStatusStore,
    private readonly builder: EmailJobBuilder,
    private readonly connection: EmailQueueConnection,
    private readonly schedules: EmailScheduleStore,
    private readonly events: EmailEventFactory,
  ) {}

  async accept(dto: SendEmailDto, key: ApiKeyRecord, deadline?: number): Promise<AcceptedEmail> {
    const [email] = await this.enqueue([dto], key, deadline);
    return { result: email.delayMs > 0 ? 'scheduled' : 'queued', id: email.data.id };
  }

  async acceptBatch(
    dto: SendBatchDto,
    key: ApiKeyRecord,
    deadline?: number,
  ): Promise<AcceptedBatch> {
    const emails = await this.enqueue(dto.emails, key, deadline, 'emails');
    return { result: 'queued', ids: emails.map((email) => email.data.id) };
  }

  async status(id: string, key: ApiKeyRecord, deadline?: number): Promise<EmailStatus> {
    const status = UUID.test(id)
      ? await this.connection.run(() => this.statuses.get(id, key.name), deadline)
      : undefined;
    if (!status) throw notFound(id);
    return status;
  }

  cancel(id: string, key: ApiKeyRecord, deadline?: number): Promise<EmailStatus> {
    const cancel = async (): Promise<ScheduleChange> =>
      this.schedules.cancel(id, key.name, Date.now(), await this.canceledEvent(id, key.name));
    return this.change(id, cancel, deadline);
  }

  /**
   * The email.canceled event, from the job's data (read first: the cancel deletes the job).
   * The cancel's script stores it only if the cancel happens.
   */
  private async canceledEvent(id: string, owner: string): Promise<BullJobSpec | undefined> {
    if (!this.events.wanted(owner, 'email.canceled')) return undefined;
    const job = await this.queue.getJob(id);
    if (job?.data.key !== owner) return undefined;
    return this.events.build(job.data, 'email.canceled', { status: 'canceled', attempts: 0 });
  }

  reschedule(
    id: string,
    dto: RescheduleEmailDto,
    key: ApiKeyRecord,
    deadline?: number,
  ): Promise<EmailStatus> {
    const now = Date.now();
    const problems = sendAtProblems(dto.send_at, now);
    if (problems.length > 0) throw validationFailed(problems);
    const move = (): Promise<ScheduleChange> =>
      this.schedules.reschedule(id, key.name, dto.send_at, now);
    return this.change(id, move, deadline);
  }

  /** A change to a scheduled email: its record after it, else 404 or 409 naming the state. */
  private async change(
    id: string,
    operation: () => Promise<ScheduleChange>,
    deadline?: number,
  ): Promise<EmailStatus> {
    if (!UUID.test(id)) throw notFound(id);
    const change = await this.connection.run(operation, deadline);
    if ('status' in change) return change.status;
    if (change.refused === 'not_found') throw notFound(id);
    throw new ConflictException({
      message: `Email ${id} is ${change.state}; only a scheduled email can be canceled or moved`,
      code: CODE.invalid_state,
    });
  }

  /**
   * All or nothing: every request is checked before anything is written. The status records
   * are issued before the jobs on the same connection, without waiting in between: one round
   * trip, shared with the other requests of this event-loop turn (auto-pipelining). The worker
   * sends only jobs whose record exists, so a job whose record failed, or whose add outlived
   * a 503 answer (its record is removed), is dropped instead of sent unacknowledged.
   */
  private async enqueue(
    dtos: SendEmailDto[],
    key: ApiKeyRecord,
    deadline?: number,
    field?: string,
  ): Promise<PreparedEmail[]> {
    const emails = this.builder.prepare(dtos, key, Date.now(), field);
    try {
      await this.connection.run(() => this.write(emails, key.name), deadline);
    } catch (error) {
      // Not awaited: with Redis away it would outlast the deadline. It follows the writes on
      // the same connection, so a job that still gets added finds no record and is dropped.
      void this.statuses.remove(emails.map(({ data }) => data.id)).catch(() => undefined);
      throw error;
    }
    return emails;
  }

  private async write(emails: PreparedEmail[], owner: string): Promise<void> {
    const records = emails.map(({ status, delayMs }) => ({ status, owner, delayMs }));
    const jobs = emails.map(({ data, delayMs }) => ({
      name: SEND_EMAIL_JOB,
      data,
      opts: { jobId: data.id, delay: delayMs },
    }));
    const created = this.statuses.create(records);
    // One job is one script call that pipelines; Bull's addBulk is a MULTI of its own.
    const added =
      jobs.length === 1
        ? this.queue.add(SEND_EMAIL_JOB, jobs[0].data, jobs[0].opts)
        : this.queue.addBulk(jobs);
    const [record, job] = await Promise.allSettled([created, added]);
    if (record.status === 'rejected') throw record.reason;
    if (job.status === 'rejected') throw job.reason;
  }
}
