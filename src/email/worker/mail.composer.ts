import { ISendMailOptions } from '@nestjs-modules/mailer';
import { EmailJobData } from '../store/email.types';
import { TemplateService, htmlToText } from '../template.service';
import { OUTBOX_TRANSPORT } from './mail-transport';

/**
 * nodemailer's message of a job: the body rendered, attachments decoded. With `returnPath`
 * (the email's VERP address) that is the SMTP envelope sender; the From header stays.
 */
export function composeMail(
  data: EmailJobData,
  templates: TemplateService,
  returnPath?: string,
): ISendMailOptions {
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
    // A custom envelope replaces the one nodemailer derives: it names every recipient again.
    envelope: returnPath
      ? { from: returnPath, to: data.to, cc: data.cc, bcc: data.bcc }
      : undefined,
    ...body,
    headers: data.headers,
    attachments: data.attachments?.map((attachment) => ({
      filename: attachment.filename,
      content: Buffer.from(attachment.content, 'base64'),
      contentType: attachment.content_type,
    })),
  };
}
