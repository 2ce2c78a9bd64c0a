import {
  Fields,
  addressOf,
  fieldBlocks,
  firstField,
  oneLine,
  withoutType,
} from './report-fields.reader';

// What a recipient's "this is spam" button and its kin send. `auth-failure` (DMARC failure
// reports) and `not-spam` are no complaint by the recipient, and `other` says too little.
const COMPLAINT_TYPES = new Set(['abuse', 'fraud', 'virus']);

/** What an RFC 5965 `message/feedback-report` body says about a complaint. */
export interface FeedbackReport {
  feedbackType: string;
  /** Original-Rcpt-To (and the older Removal-Recipient) addresses: often redacted, so empty. */
  recipients: string[];
  /** Original-Mail-From: the envelope sender of the email complained about. */
  mailFrom?: string;
  reportedDomain?: string;
  reportingMta?: string;
}

// A feedback report is one block, but a stray blank line should not hide its later fields.
function merged(blocks: Fields[]): Fields {
  const all: Fields = new Map();
  for (const block of blocks)
    for (const [name, values] of block) all.set(name, [...(all.get(name) ?? []), ...values]);
  return all;
}

function valueOf(fields: Fields, name: string, max: number): string | undefined {
  const value = firstField(fields, name);
  return value ? oneLine(withoutType(value), max) || undefined : undefined;
}

/** The complaint a feedback report makes, or undefined for any other kind of feedback. */
export function readFeedbackReport(
  text: string,
  maxRecipients: number,
): FeedbackReport | undefined {
  const fields = merged(fieldBlocks(text, 10));
  const feedbackType = /^\s*([a-z-]+)/i.exec(firstField(fields, 'feedback-type') ?? '')?.[1];
  if (!feedbackType || !COMPLAINT_TYPES.has(feedbackType.toLowerCase())) return undefined;
  const listed = [
    ...(fields.get('original-rcpt-to') ?? []),
    ...(fields.get('removal-recipient') ?? []),
  ];
  const recipients = [
    ...new Set(listed.map(addressOf).filter((a): a is string => a !== undefined)),
  ];
  const mailFrom = addressOf(firstField(fields, 'original-mail-from'));
  const reportedDomain = valueOf(fields, 'reported-domain', 255);
  const reportingMta = valueOf(fields, 'reporting-mta', 255);
  return {
    feedbackType: feedbackType.toLowerCase(),
    recipients: recipients.slice(0, maxRecipients),
    ...(mailFrom && { mailFrom }),
    ...(reportedDomain && { reportedDomain }),
    ...(reportingMta && { reportingMta }),
  };
}
