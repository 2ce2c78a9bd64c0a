import { Injectable } from '@nestjs/common';
import { BounceReport, ReportedRecipient } from '../bounces/bounce.types';
import { EmailChange, EmailEventFactory, EmailSummary } from '../events/email-event.factory';
import { SentSummary } from '../store/email-status.store';
import {
  Suppression,
  SuppressionReason,
  suppressionKeyOf,
} from '../suppressions/suppression.store';
import { recipientsOf } from '../suppressions/send-suppressions';
import { ReportEffect } from './bounce-report.store';

/** A sent email a report is about: its record as stored, and what it was sent as. */
export interface ReportedEmail {
  id: string;
  owner: string;
  record: Record<string, string>;
  summary: SentSummary;
}

/** A recipient a report names that the email really had: its list key, and as written. */
interface OwnRecipient extends ReportedRecipient {
  key: string;
  written: string;
}

const parsed = <T>(json?: string): T | undefined =>
  json === undefined ? undefined : (JSON.parse(json) as T);

/**
 * What a report does to its email (SPEC §8). Only the email's own recipients are suppressed:
 * whoever received the email saw its envelope sender and Message-ID, and could otherwise
 * write a report that silences another address.
 */
@Injectable()
export class ReportEffectBuilder {
  constructor(private readonly events: EmailEventFactory) {}

  /** The effect, or undefined when the report names none of the email's recipients. */
  build(email: ReportedEmail, report: BounceReport): ReportEffect | undefined {
    const named = this.ownOf(email.summary, report);
    if (report.kind === 'complaint') {
      // Feedback loops often redact the address: the complaint is the email's all the same.
      if (report.recipients.length > 0 && named.length === 0) return undefined;
      return this.noting(email, 'complaint', named);
    }
    if (named.length === 0) return undefined;
    if (report.kind === 'delayed') return this.noting(email, 'delayed', named);
    const [first] = named;
    const bounce = { recipient: first.written, status: first.status, diagnostic: first.diagnostic };
    return {
      kind: 'bounce',
      update: { status: 'bounced', bounce },
      suppress: this.entries(email, 'bounce', named),
      event: this.event(email, 'email.bounced', { ...this.change(first), status: 'bounced' }),
    };
  }

  /** A complaint or a delay: the status stays; a complaint suppresses who complained. */
  private noting(
    email: ReportedEmail,
    kind: 'complaint' | 'delayed',
    named: OwnRecipient[],
  ): ReportEffect {
    const change = { ...this.change(named[0]), status: email.record.status };
    const event =
      kind === 'complaint'
        ? this.event(email, 'email.complained', { ...change, diagnostic: undefined })
        : this.event(email, 'email.delivery_delayed', change, 'report');
    const suppress = kind === 'complaint' ? this.entries(email, 'complaint', named) : [];
    return { kind, update: {}, suppress, event };
  }

  private change(recipient?: OwnRecipient): Omit<EmailChange, 'status' | 'attempts'> {
    return { recipient: recipient?.written, diagnostic: recipient?.diagnostic };
  }

  private event(
    email: ReportedEmail,
    type: 'email.bounced' | 'email.complained' | 'email.delivery_delayed',
    change: Omit<EmailChange, 'attempts'>,
    occurrence?: 'report',
  ): ReportEffect['event'] {
    const { record, summary } = email;
    const described: EmailSummary = {
      ...summary,
      id: email.id,
      key: email.owner,
      message_id: record.message_id,
      tags: parsed(record.tags),
      metadata: parsed(record.metadata),
    };
    const attempts = Number(record.attempts ?? 0);
    return this.events.build(described, type, { ...change, attempts }, occurrence);
  }

  private entries(
    email: ReportedEmail,
    reason: SuppressionReason,
    named: OwnRecipient[],
  ): Suppression[] {
    const created_at = new Date().toISOString();
    return named.map(({ key, diagnostic }) => ({
      address: key,
      reason,
      created_at,
      email_id: email.id,
      diagnostic,
    }));
  }

  /** The report's recipients of its kind that the email had, once each. */
  private ownOf(summary: SentSummary, report: BounceReport): OwnRecipient[] {
    const own = new Map<string, string>();
    for (const { address } of recipientsOf(summary)) {
      const key = suppressionKeyOf(address);
      if (key) own.set(key, address);
    }
    const found = new Map<string, OwnRecipient>();
    for (const entry of report.recipients.filter(({ outcome }) => outcome === report.kind)) {
      const key = [entry.recipient, entry.finalRecipient]
        .map((address) => suppressionKeyOf(address))
        .find((candidate) => candidate !== null && own.has(candidate));
      if (key && !found.has(key)) found.set(key, { ...entry, key, written: own.get(key)! });
    }
    return [...found.values()];
  }
}
