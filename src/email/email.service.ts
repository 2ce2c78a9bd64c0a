import { InjectQueue } from '@nestjs/bull';
import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { EnvironmentVariables } from '../env.validation';
import { FieldError, validationFailed } from '../validation.errors';
import { MailAddress, matchesPattern, parseAddress } from './address.parser';
import { ApiKeyRecord } from './api-key.store';
import { EmailQueueConnection } from './email-queue.connection';
import { EmailStatusStore } from './email-status.store';
import { EMAIL_QUEUE, SEND_EMAIL_JOB } from './email.constants';
import { EmailJobData, EmailStatus } from './email.types';
import { SendEmailDto } from './dto/send-email.dto';
import { TemplateService } from './template.service';

export interface AcceptedEmail {
  result: 'queued' | 'scheduled';
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const addresses = (list?: string | string[]): MailAddress[] =>
  (Array.isArray(list) ? list : list === undefined ? [] : [list]).map((a) => parseAddress(a)!);

@Injectable()
export class EmailService {
  private readonly defaultFrom?: MailAddress;

  constructor(
    @InjectQueue(EMAIL_QUEUE) private readonly queue: Queue,
    private readonly statuses: EmailStatusStore,
    private readonly templates: TemplateService,
    private readonly connection: EmailQueueConnection,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    const mailFrom = config.get('MAIL_FROM', { infer: true });
    this.defaultFrom = mailFrom ? parseAddress(mailFrom)! : undefined;
  }

  async accept(dto: SendEmailDto, key: ApiKeyRecord): Promise<AcceptedEmail> {
    const data = this.prepare(dto, key);
    const status: EmailStatus = {
      id: data.id,
      status: 'queued',
      attempts: 0,
      created_at: data.created_at,
      message_id: data.message_id,
      tags: dto.tags,
      metadata: dto.metadata,
    };
    // Status first: the worker sends only jobs whose record exists, so a job whose add()
    // outlived our 503 answer is dropped instead of sent unacknowledged.
    await this.connection.run(() => this.statuses.create(status, key.name));
    try {
      await this.connection.run(() => this.queue.add(SEND_EMAIL_JOB, data, { jobId: data.id }));
    } catch (error) {
      await this.statuses.remove(data.id).catch(() => undefined);
      throw error;
    }
    return { result: 'queued', id: data.id };
  }

  async status(id: string, key: ApiKeyRecord): Promise<EmailStatus> {
    const status = UUID.test(id)
      ? await this.connection.run(() => this.statuses.get(id, key.name))
      : undefined;
    if (!status)
      throw new NotFoundException({
        message: `No email ${id} for this API key`,
        code: 'not_found',
      });
    return status;
  }

  /** Checks what the DTO alone cannot (config, templates, key rights) and builds the job. */
  private prepare(dto: SendEmailDto, key: ApiKeyRecord): EmailJobData {
    const from = dto.email_from ? parseAddress(dto.email_from)! : this.defaultFrom;
    const errors: FieldError[] = [];
    if (!from)
      errors.push({ field: 'email_from', message: 'email_from is required (no MAIL_FROM is set)' });
    if (!dto.message?.text && !dto.message?.html && !dto.template) {
      errors.push({
        field: 'message',
        message: 'message.text, message.html or template is required',
      });
    }
    if (dto.template && (dto.message?.text || dto.message?.html)) {
      errors.push({ field: 'message', message: 'give either message or template, not both' });
    }
    if (dto.template) errors.push(...this.templates.check(dto.template, dto.context));
    if (errors.length > 0) throw validationFailed(errors);
    if (
      key.allowedFrom &&
      !key.allowedFrom.some((pattern) => matchesPattern(from!.address, pattern))
    ) {
      throw new ForbiddenException({
        message: `This API key may not send from ${from!.address}`,
        code: 'sender_not_allowed',
      });
    }
    const id = randomUUID();
    return {
      id,
      key: key.name,
      message_id: `<${id}@${from!.address.slice(from!.address.lastIndexOf('@') + 1)}>`,
      created_at: new Date().toISOString(),
      from: from!,
      to: addresses(dto.email_to),
      cc: dto.cc && addresses(dto.cc),
      bcc: dto.bcc && addresses(dto.bcc),
      reply_to: dto.reply_to ? parseAddress(dto.reply_to)! : undefined,
      subject: dto.subject,
      text: dto.message?.text,
      html: dto.message?.html,
      template: dto.template,
      context: dto.context,
      headers: dto.headers,
      attachments: dto.attachments,
    };
  }
}
