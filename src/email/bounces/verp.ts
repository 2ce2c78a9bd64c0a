import { createHmac, timingSafeEqual } from 'node:crypto';
import { domainToASCII } from 'node:url';

// The tag is lowercase hex: MTAs may lowercase the local part on the way back, and a tag in a
// case-sensitive alphabet (base64) would no longer verify. 16 hex digits are 64 bits, and the
// whole local part (7 + 36 + 1 + 16) stays under the 64 characters RFC 5321 allows.
const TAG_LENGTH = 16;
const MIN_SECRET_BYTES = 16;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LOCAL_PART =
  /^bounce\+([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([0-9a-f]{16})$/;

// The "verp:" prefix keeps these MACs apart from any other use of the same secret.
function tagOf(emailId: string, secret: Buffer): string {
  return createHmac('sha256', secret).update(`verp:${emailId}`).digest('hex').slice(0, TAG_LENGTH);
}

function sameDomain(a: string, b: string): boolean {
  const ascii = (domain: string): string => domainToASCII(domain.replace(/\.$/, ''));
  const left = ascii(a);
  return left !== '' && left === ascii(b);
}

/**
 * The envelope sender (Return-Path) of one email: `bounce+<id>.<tag>@<bounceDomain>`, where the
 * tag is an HMAC of the id, so that nobody without `secret` can make a report that names an
 * email they only know the id of. Throws for an id that is not a lowercase UUID (what
 * `randomUUID()` gives) or a secret under 16 bytes: both are programming errors.
 */
export function verpAddress(emailId: string, bounceDomain: string, secret: Buffer): string {
  if (!UUID.test(emailId)) throw new TypeError('a VERP address needs a lowercase UUID email id');
  if (secret.length < MIN_SECRET_BYTES) throw new RangeError('the VERP secret is under 16 bytes');
  return `bounce+${emailId}.${tagOf(emailId, secret)}@${bounceDomain.toLowerCase()}`;
}

/**
 * The email id a VERP address (as written by `verpAddress`, in any letter case, optionally in
 * angle brackets) stands for, or undefined for any other address, another domain or a tag that
 * does not verify.
 */
export function parseVerp(
  address: string,
  bounceDomain: string,
  secret: Buffer,
): string | undefined {
  if (typeof address !== 'string' || address.length > 256 || secret.length < MIN_SECRET_BYTES)
    return undefined;
  const bare = address.trim().replace(/^<([^<>]*)>$/, '$1');
  const at = bare.lastIndexOf('@');
  if (at < 0 || !sameDomain(bare.slice(at + 1), bounceDomain)) return undefined;
  const match = LOCAL_PART.exec(bare.slice(0, at).toLowerCase());
  if (!match) return undefined;
  const [, emailId, tag] = match;
  return timingSafeEqual(Buffer.from(tag), Buffer.from(tagOf(emailId, secret)))
    ? emailId
    : undefined;
}
