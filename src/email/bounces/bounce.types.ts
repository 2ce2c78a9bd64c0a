/**
 * What a report says happened to a recipient: `bounce` (RFC 3464 `Action: failed` with a 5.x.x
 * status), `delayed` (`Action: delayed`, still being retried) or `complaint` (an RFC 5965
 * feedback report of type abuse, fraud or virus).
 */
export type BounceKind = 'bounce' | 'delayed' | 'complaint';

export interface ReportedRecipient {
  /**
   * The address the email was sent to, as the report writes it (not normalised: compare with
   * `suppressionKeyOf`). For a DSN the Original-Recipient when usable, else the Final-Recipient;
   * for a complaint an Original-Rcpt-To (or Removal-Recipient).
   */
  recipient: string;
  /** The Final-Recipient when it is another address (the receiving side expanded an alias). */
  finalRecipient?: string;
  outcome: BounceKind;
  /** Enhanced status code (RFC 3463), e.g. `5.1.1`; DSNs only. */
  status?: string;
  /** The Diagnostic-Code's text after its type (`smtp;`): one line, at most 500 characters. */
  diagnostic?: string;
}

/**
 * A delivery status or feedback report. A DSN may mix recipients that bounced with ones that
 * are delayed: each recipient carries its own outcome, and `kind` is the most severe of them
 * (bounce, then delayed). A complaint's `recipients` may be empty, as many feedback loops redact
 * the address: the complained-about email's own recipients are meant then.
 */
export interface BounceReport {
  kind: BounceKind;
  /** Never more than the `maxRecipients` limit; for a DSN never empty. */
  recipients: ReportedRecipient[];
  /** Message-ID of the returned email, `<id@host>`: from its returned headers, else the DSN's. */
  originalMessageId?: string;
  /** The To and Cc addresses of the returned email, as written, when the report includes them. */
  originalRecipients: string[];
  /**
   * Addresses that may be the email's VERP envelope sender, for `parseVerp`: the report's To,
   * Delivered-To and X-Original-To, Postfix's X-Postfix-Sender, the feedback report's
   * Original-Mail-From and the returned email's Return-Path. Unchecked: anyone may write them.
   */
  verpCandidates: string[];
  /** The Reporting-MTA, without its type (`dns;`). */
  reportingMta?: string;
  /** Complaints: the Feedback-Type (`abuse`, `fraud` or `virus`). */
  feedbackType?: string;
  /** Complaints: the Reported-Domain. */
  reportedDomain?: string;
}

export interface ReportLimits {
  /** Only the first this many bytes of a message are read; the report parts come first. */
  maxBytes: number;
  /** Recipients past this many are left out. */
  maxRecipients: number;
}
