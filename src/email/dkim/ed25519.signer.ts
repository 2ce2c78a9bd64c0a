import type { ISendMailOptions } from '@nestjs-modules/mailer';
import { createHash, createPrivateKey, sign } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { DkimKey } from '../../config/dkim.config';

/** The fields signed when present (RFC 6376 §5.4.1's list, as nodemailer signs for RSA). */
const SIGNED = `from sender reply-to subject date message-id to cc mime-version content-type
  content-transfer-encoding content-id content-description in-reply-to references list-id
  list-help list-unsubscribe list-unsubscribe-post list-subscribe list-post list-owner
  list-archive`.split(/\s+/);

interface Field {
  name: string;
  value: string;
}

/** Relaxed body canonicalization (RFC 6376 §3.4.4). Works on latin1 text: one char a byte. */
export function relaxedBody(body: string): string {
  const lines = body.split('\r\n').map((line) => line.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.length > 0 ? `${lines.join('\r\n')}\r\n` : '';
}

/** Relaxed header canonicalization (RFC 6376 §3.4.2), without the CRLF. */
export function relaxedHeader({ name, value }: Field): string {
  const unfolded = value.replace(/\r\n(?=[ \t])/g, '').replace(/[ \t]+/g, ' ');
  return `${name.trim().toLowerCase()}:${unfolded.trim()}`;
}

function fieldsOf(head: string): Field[] {
  const lines: string[] = [];
  for (const line of head.split('\r\n'))
    if (/^[ \t]/.test(line) && lines.length > 0) lines[lines.length - 1] += `\r\n${line}`;
    else if (line !== '') lines.push(line);
  return lines
    .filter((line) => line.includes(':'))
    .map((line) => ({
      name: line.slice(0, line.indexOf(':')),
      value: line.slice(line.indexOf(':') + 1),
    }));
}

/**
 * `raw` with an Ed25519 DKIM-Signature (RFC 8463: ed25519-sha256, relaxed/relaxed) on top.
 * nodemailer signs rsa-sha256 only; this does the same canonicalization for Ed25519, which
 * signs the SHA-256 of the canonical header data. Fields that occur twice are signed from the
 * bottom up, as RFC 6376 §5.4.2 asks.
 */
export function signEd25519(raw: Buffer, key: DkimKey, now = Date.now()): Buffer {
  const text = raw.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 4);
  const fields = fieldsOf(head);
  const signed = SIGNED.flatMap((name) =>
    fields.filter((field) => field.name.trim().toLowerCase() === name).reverse(),
  );
  const bodyHash = createHash('sha256').update(relaxedBody(body), 'latin1').digest('base64');
  const names = signed.map((field) => field.name.trim().toLowerCase()).join(':');
  const tags = `v=1; a=ed25519-sha256; c=relaxed/relaxed; d=${key.domain}; s=${key.selector}; t=${Math.floor(now / 1000)}; h=${names}; bh=${bodyHash}; b=`;
  const data =
    signed.map((field) => `${relaxedHeader(field)}\r\n`).join('') +
    relaxedHeader({ name: 'DKIM-Signature', value: tags });
  const digest = createHash('sha256').update(data, 'latin1').digest();
  const signature = sign(null, digest, createPrivateKey(key.privateKey)).toString('base64');
  return Buffer.concat([Buffer.from(`DKIM-Signature: ${tags}${signature}\r\n`, 'latin1'), raw]);
}

/**
 * `mail` built by nodemailer's own composer and signed with Ed25519, as a raw message with its
 * envelope (Bcc included): what the transports send unchanged. Files and URLs stay off limits.
 */
export async function signedRaw(mail: ISendMailOptions, key: DkimKey): Promise<ISendMailOptions> {
  const { transporterName, envelope, ...message } = mail;
  const options = { ...message, disableFileAccess: true, disableUrlAccess: true };
  // Our mail never sets inReplyTo as an Address object, which ISendMailOptions would allow.
  const composer = new MailComposer(options as ConstructorParameters<typeof MailComposer>[0]);
  const node = composer.compile();
  const raw = await new Promise<Buffer>((resolve, reject) =>
    node.build((error, built) => (error ? reject(error) : resolve(built))),
  );
  return {
    transporterName,
    messageId: mail.messageId,
    envelope: envelope ?? node.getEnvelope(),
    raw: signEd25519(raw, key),
  };
}
