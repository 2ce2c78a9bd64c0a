import { type ParsedMail, type SimpleParserOptions, simpleParser } from 'mailparser';
import type { BounceKind, BounceReport, ReportLimits, ReportedRecipient } from './bounce.types';
import { readDeliveryStatus } from './delivery-status.reader';
import { readFeedbackReport } from './feedback-report.reader';
import {
  Fields,
  addressOf,
  addressesIn,
  firstField,
  headerFields,
  messageIdOf,
} from './report-fields.reader';

export const DEFAULT_REPORT_LIMITS: ReportLimits = { maxBytes: 1024 * 1024, maxRecipients: 50 };

const PARSER_OPTIONS: SimpleParserOptions = {
  // By default mailparser folds message/delivery-status into `text`, and parses an inline
  // message/rfc822 as an embedded message, keeping none of its headers but From, To, Subject
  // and Date. With these two, every report part is an attachment whose content we read.
  keepDeliveryStatus: true,
  ignoreEmbedded: true,
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  keepCidLinks: true,
  checksumAlgo: false,
  maxHeadSize: 256 * 1024,
  maxChildNodes: 200,
};

const DSN_TYPES = ['message/delivery-status', 'message/global-delivery-status'];
const FEEDBACK_TYPES = ['message/feedback-report'];
const RETURNED_TYPES = [
  'text/rfc822-headers',
  'message/rfc822',
  'message/global-headers',
  'message/global',
];
const ADDRESSED_TO = ['to', 'delivered-to', 'x-original-to', 'envelope-to'];
const MAX_CANDIDATES = 10;

/** What every kind of report shares: where it came from and what it returns of the email. */
type Context = Pick<BounceReport, 'originalMessageId' | 'originalRecipients' | 'verpCandidates'>;

function partText(mail: ParsedMail, types: string[]): string | undefined {
  const part = mail.attachments.find((a) => types.includes(a.contentType?.toLowerCase()));
  return part?.content.toString('utf8');
}

function distinct(addresses: (string | undefined)[]): string[] {
  const byKey = new Map<string, string>();
  for (const address of addresses)
    if (address && !byKey.has(address.toLowerCase())) byKey.set(address.toLowerCase(), address);
  return [...byKey.values()];
}

function contextOf(
  mail: ParsedMail,
  returned: Fields,
  extra: (string | undefined)[],
  max: number,
): Context {
  const lines = (mail.headerLines ?? []).map((header) => header.line);
  const report = headerFields(lines.join('\n'));
  const addressed = ADDRESSED_TO.flatMap((name) => report.get(name) ?? []).map(addressOf);
  const candidates = [...addressed, ...extra, addressOf(firstField(returned, 'return-path'))];
  const messageId = messageIdOf(firstField(returned, 'message-id'));
  return {
    ...(messageId && { originalMessageId: messageId }),
    originalRecipients: ['to', 'cc']
      .flatMap((name) => returned.get(name) ?? [])
      .flatMap(addressesIn)
      .slice(0, max),
    verpCandidates: distinct(candidates).slice(0, MAX_CANDIDATES),
  };
}

const severest = (recipients: ReportedRecipient[]): BounceKind =>
  recipients.some((entry) => entry.outcome === 'bounce') ? 'bounce' : 'delayed';

function fromDeliveryStatus(
  mail: ParsedMail,
  text: string,
  returned: Fields,
  max: number,
): BounceReport | undefined {
  const status = readDeliveryStatus(text, max);
  if (status.recipients.length === 0) return undefined;
  const context = contextOf(mail, returned, [status.envelopeSender], max);
  const originalMessageId = context.originalMessageId ?? status.originalMessageId;
  return {
    kind: severest(status.recipients),
    recipients: status.recipients,
    ...context,
    ...(originalMessageId && { originalMessageId }),
    ...(status.reportingMta && { reportingMta: status.reportingMta }),
  };
}

function fromFeedback(
  mail: ParsedMail,
  text: string,
  returned: Fields,
  max: number,
): BounceReport | undefined {
  const feedback = readFeedbackReport(text, max);
  if (!feedback) return undefined;
  const context = contextOf(mail, returned, [feedback.mailFrom], max);
  const listed = feedback.recipients.length > 0 ? feedback.recipients : context.originalRecipients;
  return {
    kind: 'complaint',
    recipients: listed
      .slice(0, max)
      .map((recipient): ReportedRecipient => ({ recipient, outcome: 'complaint' })),
    ...context,
    feedbackType: feedback.feedbackType,
    ...(feedback.reportedDomain && { reportedDomain: feedback.reportedDomain }),
    ...(feedback.reportingMta && { reportingMta: feedback.reportingMta }),
  };
}

function reportOf(mail: ParsedMail, maxRecipients: number): BounceReport | undefined {
  const returned = headerFields(partText(mail, RETURNED_TYPES) ?? '');
  const dsn = partText(mail, DSN_TYPES);
  if (dsn !== undefined) return fromDeliveryStatus(mail, dsn, returned, maxRecipients);
  const feedback = partText(mail, FEEDBACK_TYPES);
  if (feedback !== undefined) return fromFeedback(mail, feedback, returned, maxRecipients);
  return undefined;
}

/**
 * Reads a delivery status notification (RFC 3464) or a complaint (RFC 5965 feedback report),
 * found by its report part wherever it sits in the message. Anything else (auto-replies,
 * junk, MIME too broken to find a report part in) gives undefined; this never throws. Only the
 * first `maxBytes` are read: the report parts come before the returned email, so a bounce of a
 * large email still counts, at the cost of the returned email's tail.
 */
export async function parseBounceReport(
  raw: Buffer,
  limits: Partial<ReportLimits> = {},
): Promise<BounceReport | undefined> {
  try {
    const { maxBytes, maxRecipients } = { ...DEFAULT_REPORT_LIMITS, ...limits };
    if (!Buffer.isBuffer(raw) || raw.length === 0) return undefined;
    const mail = await simpleParser(raw.subarray(0, maxBytes), PARSER_OPTIONS);
    return reportOf(mail, maxRecipients);
  } catch {
    // A parser error is a malformed message, which is no report: nothing to act on.
    return undefined;
  }
}
