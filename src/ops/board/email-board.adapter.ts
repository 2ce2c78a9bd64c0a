import { BullAdapter } from '@bull-board/api/bullAdapter';
import type { QueueAdapterOptions } from '@bull-board/api/typings/app';
import type { Queue } from 'bull';
import type { EmailJobData } from '../../email/store/email.types';

const listed = (list?: { address: string }[]): string[] => (list ?? []).map((a) => a.address);

/**
 * What Bull Board may show of a job: who, what about and how, never a body, an attachment's
 * content or a template's context.
 */
export function boardView(data: EmailJobData): Record<string, unknown> {
  return {
    id: data.id,
    api_key: data.key,
    from: data.from?.address,
    to: listed(data.to),
    cc: listed(data.cc),
    bcc: data.bcc?.length ?? 0,
    subject: data.subject,
    template: data.template,
    attachments: (data.attachments ?? []).map((a) => a.filename),
    test: data.test,
    created_at: data.created_at,
  };
}

/** Bull's adapter with the email queue's formatters (job list names, redacted data). */
export class EmailBoardAdapter extends BullAdapter {
  constructor(queue: Queue, options?: Partial<QueueAdapterOptions>) {
    super(queue, options);
    this.setFormatter('data', (data: EmailJobData) => boardView(data));
    this.setFormatter(
      'name',
      (job: { data: EmailJobData }) => `${listed(job.data?.to).join(', ')} · ${job.data?.subject}`,
    );
  }
}
