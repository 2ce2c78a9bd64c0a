import { ValidationArguments, registerDecorator } from 'class-validator';
import { parseAddress } from '../../mail-syntax/address.parser';
import { isBase64 } from './base64';
import { ENCODED_WORD, INVISIBLE } from '../../mail-syntax/header-text';

export const MAX_RECIPIENTS = 50;
const CONTEXT_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_CONTEXT_DEPTH = 6;
const MAX_CONTEXT_CHARS = 64 * 1024;

type Check = (value: unknown, object: Record<string, unknown>) => boolean;
/** The message after the property name, fixed or chosen by the value. */
type Message = string | ((value: unknown) => string);

function rule(check: Check, message: Message): PropertyDecorator {
  const text = (args: ValidationArguments): string =>
    `${args.property} ${typeof message === 'string' ? message : message(args.value)}`;
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: text },
      validator: {
        validate: (value, args) => check(value, args!.object as Record<string, unknown>),
      },
    });
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const recipientsIn = (value: unknown): number =>
  value === undefined ? 0 : Array.isArray(value) ? value.length : 1;

/** Attachment content: padded standard base64, checked in one pass (see base64.ts). */
export const IsBase64Content = (): PropertyDecorator => rule(isBase64, 'must be base64 encoded');

/** One address, strictly parsed (see address.parser.ts). */
export const IsMailAddress = (): PropertyDecorator =>
  rule((v) => parseAddress(v) !== null, 'must be one address like "Ann <ann@example.com>"');

const tooMany = (v: unknown): boolean => Array.isArray(v) && v.length > MAX_RECIPIENTS;

// Counted before any entry is parsed: a huge list costs one length check, not a parse each.
const isAddressArray = (v: unknown, minItems: number): boolean =>
  Array.isArray(v) &&
  v.length >= minItems &&
  v.length <= MAX_RECIPIENTS &&
  v.every((a) => parseAddress(a) !== null);

/** email_to (`orOne`: one address or a non-empty array), cc and bcc (an array). */
export const IsMailAddressList = ({ orOne = false } = {}): PropertyDecorator =>
  rule(
    (v) =>
      orOne && !Array.isArray(v) ? parseAddress(v) !== null : isAddressArray(v, orOne ? 1 : 0),
    (v) =>
      tooMany(v)
        ? `must hold at most ${MAX_RECIPIENTS} addresses`
        : orOne
          ? 'must be an address or a non-empty array of addresses, each like "Ann <ann@example.com>"'
          : 'must be an array of addresses, each like "Ann <ann@example.com>"',
  );

/** Caps to + cc + bcc together, as SMTP servers and the spec do. */
export const HasRecipientTotal = (): PropertyDecorator =>
  rule(
    (_v, o) =>
      recipientsIn(o.email_to) + recipientsIn(o.cc) + recipientsIn(o.bcc) <= MAX_RECIPIENTS,
    `with cc and bcc must hold at most ${MAX_RECIPIENTS} addresses in all`,
  );

/** A single header line: no CR, LF, control or invisible format characters. */
export const IsHeaderSafe = (): PropertyDecorator =>
  rule(
    (v) => typeof v === 'string' && !INVISIBLE.test(v),
    'must not contain line breaks, control or invisible characters (such as bidi overrides)',
  );

/** No text a mail client would decode into something else (see header-text.ts). */
export const HasNoEncodedWord = (): PropertyDecorator =>
  rule(
    (v) => typeof v === 'string' && !ENCODED_WORD.test(v),
    'must not contain an encoded-word (=?…?=)',
  );

/** Custom headers: X- names only, single-line values. */
export const IsCustomHeaders = (): PropertyDecorator =>
  rule(
    (v) =>
      isPlainObject(v) &&
      Object.keys(v).length <= 20 &&
      Object.entries(v).every(
        ([name, value]) =>
          /^X-[A-Za-z0-9-]{1,64}$/i.test(name) &&
          typeof value === 'string' &&
          value.length <= 998 &&
          !INVISIBLE.test(value),
      ),
    'must map at most 20 X- header names to single-line values without invisible characters',
  );

/** Short string-to-string map, kept in the status record. */
export const IsMetadata = (): PropertyDecorator =>
  rule(
    (v) =>
      isPlainObject(v) &&
      Object.keys(v).length <= 20 &&
      Object.entries(v).every(
        ([key, value]) =>
          /^[A-Za-z0-9_.-]{1,64}$/.test(key) && typeof value === 'string' && value.length <= 500,
      ),
    'must map at most 20 keys (A-Z a-z 0-9 _ . -) to strings of at most 500 characters',
  );

function contextDepth(value: unknown, depth: number): number {
  if (depth > MAX_CONTEXT_DEPTH || typeof value !== 'object' || value === null) return depth;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.reduce<number>(
    (max, child) => Math.max(max, contextDepth(child, depth + 1)),
    depth,
  );
}

function hasTemplateKeys(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(hasTemplateKeys);
  return Object.entries(value).every(
    ([key, child]) => CONTEXT_KEY.test(key) && hasTemplateKeys(child),
  );
}

/** Template context: JSON data only, identifier keys, bounded depth and size. */
export const IsTemplateContext = (): PropertyDecorator =>
  rule(
    (v) =>
      isPlainObject(v) &&
      contextDepth(v, 0) <= MAX_CONTEXT_DEPTH &&
      hasTemplateKeys(v) &&
      JSON.stringify(v).length <= MAX_CONTEXT_CHARS,
    `must be an object with identifier keys, at most ${MAX_CONTEXT_DEPTH} levels deep and 64 KB`,
  );
