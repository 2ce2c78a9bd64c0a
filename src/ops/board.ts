import { BullAdapter } from '@bull-board/api/bullAdapter';
import type { QueueAdapterOptions } from '@bull-board/api/typings/app';
import type { Queue } from 'bull';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { sha256 } from '../email/api-key.store';
import type { EmailJobData } from '../email/email.types';

export const BOARD_ROUTE = '/queues';

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

/**
 * HTTP Basic auth for /queues and its API, compared in constant time; without BOARD_USER and
 * BOARD_PASSWORD the board is off and answers 404.
 */
export function boardAuth(
  user?: string,
  password?: string,
  warnOff?: (why: string) => void,
): RequestHandler {
  const expected = user && password ? sha256(`${user}:${password}`) : undefined;
  if (!expected) warnOff?.('set BOARD_USER and BOARD_PASSWORD to turn it on');
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!expected) {
      res.status(404).json({
        statusCode: 404,
        error: 'Not Found',
        message: 'Bull Board is off: set BOARD_USER and BOARD_PASSWORD',
        code: 'not_found',
      });
      return;
    }
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
    const given =
      scheme?.toLowerCase() === 'basic' && encoded ? Buffer.from(encoded, 'base64').toString() : '';
    if (given && timingSafeEqual(sha256(given), expected)) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="Bull Board", charset="UTF-8"');
    res.status(401).json({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Bull Board needs its user and password',
      code: 'unauthorized',
    });
  };
}
