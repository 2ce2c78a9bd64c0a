import { domainToASCII, domainToUnicode } from 'node:url';
import { INVISIBLE } from './header-text';

/** One mailbox: the only shape an address ever takes after the API boundary. */
export interface MailAddress {
  name: string;
  address: string;
}

// Dot-atom local part without '%' and '!': both are legal, but old relays route on them
// (user%other@relay, host!user), so a caller could reach a mailbox it never plainly named.
const LOCAL_PART = /^[A-Za-z0-9#$&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9#$&'*+/=?^_`{|}~-]+)*$/;
const ASCII_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const UNICODE_DOMAIN = /^[\p{L}\p{M}\p{N}.-]+$/u;
const WITH_NAME = /^(.*?)\s*<([^<>]*)>$/s;

function isAsciiDomain(domain: string): boolean {
  const labels = domain.split('.');
  return (
    domain.length <= 253 &&
    labels.length >= 2 &&
    labels.every((label) => ASCII_LABEL.test(label)) &&
    !/^\d+$/.test(labels[labels.length - 1])
  );
}

function isValidDomain(domain: string): boolean {
  if (isAsciiDomain(domain)) return true;
  if (!UNICODE_DOMAIN.test(domain)) return false;
  const ascii = domainToASCII(domain);
  // The round trip refuses anything IDNA would silently rewrite into another domain.
  return ascii !== '' && isAsciiDomain(ascii) && domainToUnicode(ascii) === domain.toLowerCase();
}

function isValidMailbox(address: string): boolean {
  const at = address.lastIndexOf('@');
  if (at < 1 || address.length > 254) return false;
  const local = address.slice(0, at);
  return local.length <= 64 && LOCAL_PART.test(local) && isValidDomain(address.slice(at + 1));
}

function parseDisplayName(raw: string): string | null {
  const name = raw.trim();
  if (name.length > 200) return null;
  // An RFC 2047 encoded-word would be decoded by mail clients into text we never checked, and a
  // name holding '@' reads as an address: "support@bank.example" <evil@evil.example>.
  if (name.includes('=?') || name.includes('@')) return null;
  const quoted = /^"([^"\\]*)"$/.exec(name);
  if (quoted) return quoted[1].trim();
  return /["\\<>]/.test(name) ? null : name;
}

/**
 * Parses `a@b.example` or `Name <a@b.example>` strictly: exactly one mailbox, no comments,
 * no quoted local parts, no groups or lists, no source routes, no IP literals.
 * Returns null for anything else.
 */
export function parseAddress(input: unknown): MailAddress | null {
  if (typeof input !== 'string' || input.length > 512 || INVISIBLE.test(input)) return null;
  const trimmed = input.trim();
  const withName = WITH_NAME.exec(trimmed);
  const name = withName ? parseDisplayName(withName[1]) : '';
  const address = withName ? withName[2].trim() : trimmed;
  if (name === null || !isValidMailbox(address)) return null;
  return { name, address };
}

/** Case-insensitive match of an address against `user@host` or `*@host`. */
export function matchesPattern(address: string, pattern: string): boolean {
  const a = address.toLowerCase();
  const p = pattern.toLowerCase();
  return p.startsWith('*@') ? a.slice(a.lastIndexOf('@') + 1) === p.slice(2) : a === p;
}
