import { Injectable } from '@nestjs/common';
import { MailAddress } from '../../mail-syntax/address.parser';
import { EmailJobData } from '../store/email.types';
import { classifyRefusal } from './refusal.classifier';
import { Suppression, SuppressionStore, suppressionKeyOf } from './suppression.store';

/** One refused recipient, as nodemailer reports it (info.rejectedErrors, error.rejectedErrors). */
interface RecipientRefusal {
  recipient?: unknown;
  response?: unknown;
}

type Recipients = Pick<EmailJobData, 'to' | 'cc' | 'bcc'>;

const MAX_DIAGNOSTIC = 500;

export const recipientsOf = (data: Recipients): MailAddress[] => [
  ...data.to,
  ...(data.cc ?? []),
  ...(data.bcc ?? []),
];

/** The email's recipient lists without `suppressed` (addresses as written). */
export function withoutSuppressed(data: Recipients, suppressed: string[]): Recipients {
  const left = new Set(suppressed);
  const keep = (list?: MailAddress[]): MailAddress[] | undefined =>
    list?.filter(({ address }) => !left.has(address));
  return { to: keep(data.to) ?? [], cc: keep(data.cc), bcc: keep(data.bcc) };
}

/** The nodemailer refusals that a result or an error carries; none for anything else. */
export function refusalsIn(source: unknown): RecipientRefusal[] {
  const list = (source as { rejectedErrors?: unknown } | null | undefined)?.rejectedErrors;
  return Array.isArray(list) ? (list as RecipientRefusal[]) : [];
}

/**
 * The worker's side of the suppression lists (SPEC §8): who of an email is on its key's list,
 * and which of its refused recipients go on it (a permanent mailbox error, 5.1.x).
 */
@Injectable()
export class SendSuppressions {
  constructor(private readonly store: SuppressionStore) {}

  /** Of the email's recipients (to, cc and bcc), those on its key's list, in one round trip. */
  suppressedOf(data: EmailJobData): Promise<string[]> {
    return this.store.suppressedOf(
      data.key,
      recipientsOf(data).map(({ address }) => address),
    );
  }

  /** Puts the recipients refused for good on the key's list; the addresses it added. */
  async recordRefusals(data: EmailJobData, refusals: RecipientRefusal[]): Promise<string[]> {
    const entries = refusals.flatMap((refusal) => this.bounceOf(data, refusal));
    await Promise.all(entries.map((entry) => this.store.add(data.key, entry)));
    return entries.map(({ address }) => address);
  }

  private bounceOf(data: EmailJobData, { recipient, response }: RecipientRefusal): Suppression[] {
    const reply = typeof response === 'string' ? response.replace(/\s+/g, ' ').trim() : '';
    const address = suppressionKeyOf(recipient);
    if (!address || classifyRefusal(reply) !== 'mailbox') return [];
    const diagnostic = reply.slice(0, MAX_DIAGNOSTIC);
    return [
      {
        address,
        reason: 'bounce',
        created_at: new Date().toISOString(),
        email_id: data.id,
        diagnostic,
      },
    ];
  }
}
