import { ValidateIf, ValidationArguments, registerDecorator } from 'class-validator';
import { isBase64 } from './base64';
import { ENCODED_WORD, INVISIBLE } from '../../mail-syntax/header-text';

const TEMPLATE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const CONTEXT_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_CONTEXT_DEPTH = 6;
const MAX_CONTEXT_CHARS = 64 * 1024;

type Fields = Record<string, unknown>;
type Check = (value: unknown, object: Fields) => boolean;
/** The message, fixed or chosen by the value and its object; `$property` names the field. */
type Message = string | ((value: unknown, object: Fields) => string);

export function rule(check: Check, message: Message): PropertyDecorator {
  const text = (args: ValidationArguments): string =>
    typeof message === 'string' ? message : message(args.value, args.object as Fields);
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: text },
      validator: {
        validate: (value, args) => check(value, args!.object as Fields),
      },
    });
}

const isPlainObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Attachment content: padded standard base64, checked in one pass (see base64.ts). */
export const IsBase64Content = (): PropertyDecorator =>
  rule(isBase64, '$property must be base64 encoded');

/** A template's name: a plain name, never a path (POST /send-email/ and the render route). */
export const IsTemplateName = (): PropertyDecorator =>
  rule(
    (v) => typeof v === 'string' && TEMPLATE_NAME.test(v),
    '$property must be a plain template name like verify-email',
  );

const given = (value: unknown): boolean => value !== undefined && value !== null;
// Anything but text and html is an unknown field, which the whitelist names instead.
const holdsSomething = (message: unknown): boolean =>
  isPlainObject(message) && Object.values(message).some(given);

/**
 * `message` holds text, html or both, unless `template` is given. It is also the property's
 * condition (in place of @IsOptional): only with a template may `message` be absent. Put it
 * below @IsObject: class-validator runs a property's rules bottom-up, and an absent message
 * must meet this rule first. A message that is not an object, or whose parts are bad or
 * unknown, is left to the other rules.
 */
export function HasBodyOrTemplate(): PropertyDecorator {
  const condition = ValidateIf((o: Fields, v: unknown) => given(v) || !given(o.template));
  const check = rule(
    (v, o) => given(o.template) || holdsSomething(v) || (given(v) && !isPlainObject(v)),
    '$property.text, $property.html or template is required',
  );
  return (target: object, propertyName: string | symbol): void => {
    condition(target, propertyName);
    check(target, propertyName);
  };
}

/** A single header line: no CR, LF, control or invisible format characters. */
export const IsHeaderSafe = (): PropertyDecorator =>
  rule(
    (v) => typeof v === 'string' && !INVISIBLE.test(v),
    '$property must not contain line breaks, control or invisible characters (such as bidi overrides)',
  );

/** No text a mail client would decode into something else (see header-text.ts). */
export const HasNoEncodedWord = (): PropertyDecorator =>
  rule(
    (v) => typeof v === 'string' && !ENCODED_WORD.test(v),
    '$property must not contain an encoded-word (=?…?=)',
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
    '$property must map at most 20 X- header names to single-line values without invisible characters',
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
    '$property must map at most 20 keys (A-Z a-z 0-9 _ . -) to strings of at most 500 characters',
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
    `$property must be an object with identifier keys, at most ${MAX_CONTEXT_DEPTH} levels deep and 64 KB`,
  );
