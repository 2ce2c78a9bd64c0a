/** The fields of one header-style block: lowercased names, unfolded values, in their order. */
export type Fields = Map<string, string[]>;

const FIELD_NAME = /^[!-9;-~]+$/;
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu;
const TYPED = /^\s*[A-Za-z0-9][\w.+-]*\s*;/;
const LOCAL_PART = /^[^\s@<>()[\]\\,;:"\p{Cc}\p{Cf}]{1,64}$/u;
const DOMAIN = /^[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+$/u;
const STATUS = /^\s*([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)/;
// An enhanced code right after a basic reply code ("550 5.1.1", "550-5.1.1"), so that an IP
// address or a version number in the text is never taken for one.
const STATUS_IN_REPLY = /\b[245]\d\d[ -]([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)/;
const MESSAGE_ID = /^[^<>\s\p{Cc}\p{Cf}]{1,250}$/u;

function addField(fields: Fields, name: string, value: string): void {
  const values = fields.get(name);
  if (values) values.push(value);
  else fields.set(name, [value]);
}

function parseFields(lines: string[]): Fields {
  const fields: Fields = new Map();
  let name: string | undefined;
  let value = '';
  for (const line of lines) {
    if (name !== undefined && /^[ \t]/.test(line)) {
      value += ` ${line.trim()}`;
      continue;
    }
    if (name !== undefined) addField(fields, name, value);
    const colon = line.indexOf(':');
    const candidate = line.slice(0, Math.max(colon, 0)).trim();
    name = colon > 0 && FIELD_NAME.test(candidate) ? candidate.toLowerCase() : undefined;
    value = line.slice(colon + 1).trim();
  }
  if (name !== undefined) addField(fields, name, value);
  return fields;
}

/**
 * Header-style blocks separated by blank lines (CRLF or LF), at most `limit` of them. Lines that
 * are not fields are skipped, so that a stray line costs one field, not the report.
 */
export function fieldBlocks(text: string, limit = Infinity): Fields[] {
  const blocks: Fields[] = [];
  let lines: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() !== '') {
      lines.push(line);
      continue;
    }
    if (lines.length > 0) blocks.push(parseFields(lines));
    lines = [];
    if (blocks.length >= limit) return blocks;
  }
  if (lines.length > 0 && blocks.length < limit) blocks.push(parseFields(lines));
  return blocks;
}

/** The header section at the start of `text` (a returned message or its headers). */
export function headerFields(text: string): Fields {
  return fieldBlocks(text, 1)[0] ?? new Map<string, string[]>();
}

export function firstField(fields: Fields | undefined, name: string): string | undefined {
  return fields?.get(name)?.[0];
}

/** One line of plain text: invisible characters and runs of spaces become one space. */
export function oneLine(value: string, max: number): string {
  const line = value.replace(INVISIBLE, ' ').replace(/\s+/g, ' ').trim();
  const cut = line.slice(0, max);
  // Never end on half of a surrogate pair.
  return (/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut).trim();
}

/** A value without its leading type: `rfc822; ann@x` → `ann@x`, `smtp; 550 ...` → `550 ...`. */
export function withoutType(value: string): string {
  return value.replace(TYPED, '').trim();
}

/** One plain address from `rfc822; ann@x`, `<ann@x>`, `Ann <ann@x>` or `ann@x`, else undefined. */
export function addressOf(value: string | undefined): string | undefined {
  if (!value || value.length > 1000) return undefined;
  const typed = withoutType(value);
  const bare = (/<([^<>]*)>/.exec(typed)?.[1] ?? typed).trim();
  const at = bare.lastIndexOf('@');
  if (at < 1 || bare.length > 254) return undefined;
  return LOCAL_PART.test(bare.slice(0, at)) && DOMAIN.test(bare.slice(at + 1)) ? bare : undefined;
}

/** The plain addresses of an address list (To, Cc); names and groups are dropped. */
export function addressesIn(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map(addressOf)
    .filter((address): address is string => address !== undefined);
}

/** `<id@host>` from a Message-ID value, with or without its angle brackets. */
export function messageIdOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const id = (/<([^<>]*)>/.exec(value)?.[1] ?? value).trim();
  return MESSAGE_ID.test(id) ? `<${id}>` : undefined;
}

/** The enhanced status code (RFC 3463) a Status field starts with. */
export function statusOf(value: string | undefined): string | undefined {
  return value ? STATUS.exec(value)?.[1] : undefined;
}

/** The enhanced status code of an SMTP reply quoted in a diagnostic, if it has one. */
export function statusInReply(text: string | undefined): string | undefined {
  return text ? STATUS_IN_REPLY.exec(text)?.[1] : undefined;
}
