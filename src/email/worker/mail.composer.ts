import { ISendMailOptions } from '@nestjs-modules/mailer';
import { DkimKey, dkimKeyFor } from '../../config/dkim.config';
import { EmailJobData } from '../store/email.types';
import { TemplateService, htmlToText } from '../template.service';
import { signedRaw } from '../dkim/ed25519.signer';

/**
 * nodemailer's message of a job: the body rendered, attachments decoded. With `returnPath`
 * (the email's VERP address) that is the SMTP envelope sender; the From header stays. With
 * an RSA `dkim` key, signed by nodemailer's DKIM (relaxed/relaxed) whatever the transport
 * (the outbox too). The transport is FailoverSender's choice.
 */
export function composeMail(
  data: EmailJobData,
  templates: TemplateService,
  returnPath?: string,
  dkim?: DkimKey,
): ISendMailOptions {
  const body = data.template
    ? templates.render(data.template, data.context)
    : { html: data.html, text: data.text ?? (data.html ? htmlToText(data.html) : undefined) };
  return {
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
    dkim:
      dkim?.algorithm === 'rsa'
        ? { domainName: dkim.domain, keySelector: dkim.selector, privateKey: dkim.privateKey }
        : undefined,
    attachments: data.attachments?.map((attachment) => ({
      filename: attachment.filename,
      content: Buffer.from(attachment.content, 'base64'),
      contentType: attachment.content_type,
    })),
  };
}

/** composeMail with the From domain's DKIM key; an Ed25519 one signs the built message here. */
export async function composeSigned(
  data: EmailJobData,
  templates: TemplateService,
  dkimKeys: readonly DkimKey[],
  returnPath?: string,
): Promise<ISendMailOptions> {
  const key = dkimKeyFor(dkimKeys, data.from.address);
  const mail = composeMail(data, templates, returnPath, key);
  return key?.algorithm === 'ed25519' ? signedRaw(mail, key) : mail;
}
