import { ISendMailOptions } from '@nestjs-modules/mailer';
import { DkimKey, dkimKeyFor } from '../../config/dkim.config';
import { EmailJobData } from '../store/email.types';
import { TemplateService, htmlToText } from '../template.service';
import { OUTBOX_TRANSPORT } from './mail-transport';

/**
 * nodemailer's message of a job: the body rendered, attachments decoded; signed by
 * nodemailer's DKIM (relaxed/relaxed) with the From domain's key of `dkimKeys` if it has one,
 * whatever the transport (the outbox too).
 */
export function composeMail(
  data: EmailJobData,
  templates: TemplateService,
  dkimKeys: readonly DkimKey[] = [],
): ISendMailOptions {
  const dkim = dkimKeyFor(dkimKeys, data.from.address);
  const body = data.template
    ? templates.render(data.template, data.context)
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
    dkim: dkim && {
      domainName: dkim.domain,
      keySelector: dkim.selector,
      privateKey: dkim.privateKey,
    },
    attachments: data.attachments?.map((attachment) => ({
      filename: attachment.filename,
      content: Buffer.from(attachment.content, 'base64'),
      contentType: attachment.content_type,
    })),
  };
}
