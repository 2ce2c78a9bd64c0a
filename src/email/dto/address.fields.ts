import { Transform } from 'class-transformer';
import { MailAddress, parseAddress } from '../../mail-syntax/address.parser';
import { rule } from './field.validators';

export const MAX_RECIPIENTS = 50;

/**
 * Mailboxes parsed by the transforms below. The address rules accept only these, so what the
 * ValidationPipe passes holds parsed mailboxes; a `{name, address}` object sent as JSON is
 * not one of them.
 */
const parsed = new WeakSet<object>();

const isMailbox = (value: unknown): value is MailAddress =>
  typeof value === 'object' && value !== null && parsed.has(value);

/** The mailbox of a valid address; anything else stays as sent, for its rule to refuse. */
function toMailbox(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const mailbox = parseAddress(value);
  if (mailbox === null) return value;
  parsed.add(mailbox);
  return mailbox;
}

// Counted before any entry is parsed: a huge list costs one length check, not a parse each.
const toMailboxes = (value: unknown): unknown =>
  Array.isArray(value) && value.length <= MAX_RECIPIENTS ? value.map(toMailbox) : value;

/** email_to: one address becomes a list of one. */
function toRecipients(value: unknown): unknown {
  if (typeof value !== 'string') return toMailboxes(value);
  const mailbox = toMailbox(value);
  return mailbox === value ? value : [mailbox];
}

/** Parses once, before validation (class-transformer runs first); the rule checks the result. */
function parsedField(
  parse: (value: unknown) => unknown,
  check: PropertyDecorator,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol): void => {
    Transform(({ value }: { value: unknown }) => parse(value), { toClassOnly: true })(
      target,
      propertyName,
    );
    check(target, propertyName);
  };
}

const recipientsIn = (value: unknown): number =>
  value === undefined ? 0 : Array.isArray(value) ? value.length : 1;

const isMailboxList = (v: unknown, minItems: number): boolean =>
  Array.isArray(v) && v.length >= minItems && v.length <= MAX_RECIPIENTS && v.every(isMailbox);

/** One address, strictly parsed (see address.parser.ts); the field then holds its MailAddress. */
export const IsMailAddress = (): PropertyDecorator =>
  parsedField(
    toMailbox,
    rule(isMailbox, '$property must be one address like "Ann <ann@example.com>"'),
  );

/** email_to (`orOne`: one address or a non-empty array), cc and bcc (an array): MailAddress[]. */
export const IsMailAddressList = ({ orOne = false } = {}): PropertyDecorator =>
  parsedField(
    orOne ? toRecipients : toMailboxes,
    rule(
      (v) => isMailboxList(v, orOne ? 1 : 0),
      (v) =>
        Array.isArray(v) && v.length > MAX_RECIPIENTS
          ? `$property must hold at most ${MAX_RECIPIENTS} addresses`
          : orOne
            ? '$property must be an address or a non-empty array of addresses, each like "Ann <ann@example.com>"'
            : '$property must be an array of addresses, each like "Ann <ann@example.com>"',
    ),
  );

/** Caps to + cc + bcc together, as SMTP servers and the spec do. */
export const HasRecipientTotal = (): PropertyDecorator =>
  rule(
    (_v, o) =>
      recipientsIn(o.email_to) + recipientsIn(o.cc) + recipientsIn(o.bcc) <= MAX_RECIPIENTS,
    `$property with cc and bcc must hold at most ${MAX_RECIPIENTS} addresses in all`,
  );
