import { ForbiddenException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { EnvironmentVariables } from '../../config/env.validation';
import { FieldError, validationFailed } from '../../common/validation.errors';
import { MailAddress, matchesPattern } from '../../mail-syntax/address.parser';
import { ApiKeyRecord } from '../../config/api-key.parser';
import { SendEmailDto } from '../dto/send-email.dto';
import { sendAtProblems } from '../dto/schedule.dto';
import { EmailJobData, EmailStatus } from '../store/email.types';
import { TemplateService } from '../template.service';
import { CODE } from '../../common/error-codes';

/** An accepted request, ready to be queued: the job, its first status record, its delay. */
export interface PreparedEmail {
  data: EmailJobData;
  status: EmailStatus;
  delayMs: number;
}

/**
 * The one check of a send request that needs config or state (sender, template, schedule, the
 * key's sender rights; the DTO has every other rule), and the jobs of requests that pass it.
 */
@Injectable()
export class EmailJobBuilder {
  private readonly defaultFrom?: MailAddress;

  constructor(
    private readonly templates: TemplateService,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.defaultFrom = config.get('mailFrom', { infer: true });
  }

  /**
   * The jobs of validated requests, all or none: a 400 naming every problem of every request,
   * else a 403 for the first sender the key may not use. `field` (like "emails") locates the
   * requests of a batch.
   */
  prepare(dtos: SendEmailDto[], key: ApiKeyRecord, now: number, field?: string): PreparedEmail[] {
    const errors = dtos.flatMap((dto, i) => this.check(dto, now, field ? `${field}.${i}.` : ''));
    if (errors.length > 0) throw validationFailed(errors);
    return dtos.map((dto, i) => this.build(dto, key, now, field ? `${field}.${i}: ` : ''));
  }

  /** The 400-problems of one request; `prefix` (like "emails.3.") locates it in a batch. */
  private check(dto: SendEmailDto, now: number, prefix: string): FieldError[] {
    const errors: FieldError[] = [];
    if (!dto.email_from && !this.defaultFrom) {
      errors.push({ field: 'email_from', message: 'email_from is required (no MAIL_FROM is set)' });
    }
    // Needs no config, yet not a DTO rule: SendEmailDto alone accepts a body beside a template.
    if (dto.template && (dto.message?.text || dto.message?.html))
      errors.push({ field: 'message', message: 'message must be absent when template is given' });
    if (dto.template) errors.push(...this.templates.check(dto.template, dto.context));
    if (dto.send_at !== undefined) errors.push(...sendAtProblems(dto.send_at, now));
    return errors.map(({ field, message }) => ({
      field: prefix + field,
      message: prefix + message,
    }));
  }

  /** The job of a checked request; 403 when the key may not use its sender. */
  private build(dto: SendEmailDto, key: ApiKeyRecord, now: number, where: string): PreparedEmail {
    const from = dto.email_from ?? this.defaultFrom!; // check() refused a request with neither
    if (
      key.allowedFrom &&
      !key.allowedFrom.some((pattern) => matchesPattern(from.address, pattern))
    ) {
      throw new ForbiddenException({
        message: `${where}This API key may not send from ${from.address}`,
        code: CODE.sender_not_allowed,
      });
    }
    const id = randomUUID();
    const created_at = new Date(now).toISOString();
    const message_id = `<${id}@${from.address.slice(from.address.lastIndexOf('@') + 1)}>`;
    const delayMs = dto.send_at ? Math.max(0, Date.parse(dto.send_at) - now) : 0;
    const test = key.test || undefined;
    const data: EmailJobData = {
      id,
      key: key.name,
      message_id,
      created_at,
      from,
      to: dto.email_to,
      cc: dto.cc,
      bcc: dto.bcc,
      reply_to: dto.reply_to ?? undefined, // a request may send null; a job leaves it out
      subject: dto.subject,
      text: dto.message?.text,
      html: dto.message?.html,
      template: dto.template,
      context: dto.context,
      headers: dto.headers,
      attachments: dto.attachments,
      tags: dto.tags,
      metadata: dto.metadata,
      test,
    };
    const status: EmailStatus = {
      id,
      status: delayMs > 0 ? 'scheduled' : 'queued',
      attempts: 0,
      created_at,
      message_id,
      send_at: dto.send_at,
      tags: dto.tags,
      metadata: dto.metadata,
      test,
    };
    return { data, status, delayMs };
  }
}
