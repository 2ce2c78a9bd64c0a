import type { BounceKind, ReportedRecipient } from './bounce.types';
import {
  Fields,
  addressOf,
  fieldBlocks,
  firstField,
  messageIdOf,
  oneLine,
  statusInReply,
  statusOf,
  withoutType,
} from './report-fields.reader';

const MAX_DIAGNOSTIC = 500;

/** What an RFC 3464 `message/delivery-status` body says, for the recipients that matter. */
export interface DeliveryStatus {
  /** Only `bounce` and `delayed` recipients; delivered, relayed, expanded ones are left out. */
  recipients: ReportedRecipient[];
  reportingMta?: string;
  /** Gmail's X-Original-Message-ID. */
  originalMessageId?: string;
  /** Postfix's X-Postfix-Sender: the envelope sender of the returned email. */
  envelopeSender?: string;
}

const isRecipientBlock = (block: Fields): boolean =>
  block.has('final-recipient') || block.has('original-recipient');

// Only `failed` with a permanent status is a bounce: Postfix reports a message that expired in
// its queue as `failed` with 4.x.x, which says nothing about the mailbox.
function outcomeOf(action: string | undefined, status: string | undefined): BounceKind | undefined {
  if (action === 'failed' && status?.startsWith('5.')) return 'bounce';
  if (action === 'delayed' && (!status || status.startsWith('4.'))) return 'delayed';
  return undefined;
}

// A multi-line SMTP reply arrives unfolded as "550-5.1.1 a 550-5.1.1 b 550 5.1.1 c": the code
// is kept once, so the text reads as the sentence it is.
function joinReplyLines(text: string): string {
  const lead = /^(\d{3})[ -](?:(\d\.\d{1,3}\.\d{1,3}) )?/.exec(text);
  if (!lead) return text;
  const code = `${lead[1]}[ -]${lead[2] ? `${lead[2].replace(/\./g, '\\.')} ` : ''}`;
  const rest = text.slice(lead[0].length).replace(new RegExp(` ${code}`, 'g'), ' ');
  return `${lead[0].replace('-', ' ')}${rest}`;
}

function diagnosticOf(block: Fields): string | undefined {
  const raw = firstField(block, 'diagnostic-code');
  const text = raw && joinReplyLines(oneLine(withoutType(raw), 4 * MAX_DIAGNOSTIC));
  return text ? oneLine(text, MAX_DIAGNOSTIC) : undefined;
}

// Exim writes 5.0.0 whatever the reason: the reply quoted in the diagnostic says more.
function statusFrom(block: Fields, diagnostic: string | undefined): string | undefined {
  const status = statusOf(firstField(block, 'status'));
  const quoted = statusInReply(diagnostic);
  const generic = !status || (status.endsWith('.0.0') && quoted?.[0] === status[0]);
  return generic ? (quoted ?? status) : status;
}

function recipientOf(block: Fields): ReportedRecipient | undefined {
  const final = addressOf(firstField(block, 'final-recipient'));
  const recipient = addressOf(firstField(block, 'original-recipient')) ?? final;
  const diagnostic = diagnosticOf(block);
  const status = statusFrom(block, diagnostic);
  const action = /^\s*([a-z]+)/i.exec(firstField(block, 'action') ?? '')?.[1].toLowerCase();
  const outcome = outcomeOf(action, status);
  if (!recipient || !outcome) return undefined;
  return {
    recipient,
    ...(final && final.toLowerCase() !== recipient.toLowerCase() && { finalRecipient: final }),
    outcome,
    ...(status && { status }),
    ...(diagnostic && { diagnostic }),
  };
}

function distinct(recipients: ReportedRecipient[], max: number): ReportedRecipient[] {
  const seen = new Set<string>();
  return recipients
    .filter((entry) => {
      const key = `${entry.outcome} ${entry.recipient.toLowerCase()}`;
      return !seen.has(key) && seen.add(key);
    })
    .slice(0, max);
}

export function readDeliveryStatus(text: string, maxRecipients: number): DeliveryStatus {
  const blocks = fieldBlocks(text);
  const recipients = blocks
    .filter(isRecipientBlock)
    .map(recipientOf)
    .filter((entry): entry is ReportedRecipient => entry !== undefined);
  const perMessage = blocks.find((block) => block.has('reporting-mta')) ?? blocks[0];
  const mta = firstField(perMessage, 'reporting-mta');
  const reportingMta = mta && oneLine(withoutType(mta), 255);
  const originalMessageId = messageIdOf(firstField(perMessage, 'x-original-message-id'));
  const envelopeSender = addressOf(firstField(perMessage, 'x-postfix-sender'));
  return {
    recipients: distinct(recipients, maxRecipients),
    ...(reportingMta && { reportingMta }),
    ...(originalMessageId && { originalMessageId }),
    ...(envelopeSender && { envelopeSender }),
  };
}
