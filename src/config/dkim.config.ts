import { KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { domainToASCII } from 'node:url';
import { ConfigError } from './config.error';
import { readJsonArray } from './json-file.reader';

/** One signing key of DKIM_KEYS_FILE (SPEC §9), checked and loaded at start. */
export interface DkimKey {
  /** The d= domain, lowercase ASCII: mail From it or a subdomain of it is signed with this key. */
  domain: string;
  selector: string;
  /** rsa: signed by nodemailer (rsa-sha256); ed25519: by ed25519.signer.ts (RFC 8463). */
  algorithm: 'rsa' | 'ed25519';
  /** PKCS#8 PEM, as nodemailer's signer takes it. */
  privateKey: string;
  /** The TXT record to publish at `<selector>._domainkey.<domain>`. */
  dnsTxt: string;
}

const FIELDS = ['domain', 'selector', 'private_key_file'];
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MIN_RSA_BITS = 2048;

const labels = (name: string): boolean => name.split('.').every((label) => LABEL.test(label));

function domainOf(value: unknown, where: string): string {
  const ascii = typeof value === 'string' ? domainToASCII(value.trim().toLowerCase()) : '';
  if (!ascii || !ascii.includes('.') || !labels(ascii))
    throw new ConfigError(`${where}.domain must be a domain name like shop.example`);
  return ascii;
}

function selectorOf(value: unknown, where: string): string {
  if (typeof value !== 'string' || !labels(value.toLowerCase()))
    throw new ConfigError(`${where}.selector must be DNS labels like mail2026`);
  return value.toLowerCase();
}

/** The key's file, read relative to DKIM_KEYS_FILE's folder: RSA of 2048+ bits, or Ed25519. */
function keyOf(value: unknown, where: string, folder: string): KeyObject {
  if (typeof value !== 'string' || value === '')
    throw new ConfigError(`${where}.private_key_file must name a PEM file`);
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(resolve(folder, value)));
  } catch {
    throw new ConfigError(`${where}.private_key_file: cannot read a PEM private key from it`);
  }
  if (key.asymmetricKeyType === 'ed25519') return key;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < MIN_RSA_BITS)
    throw new ConfigError(
      `${where}: the key must be RSA of ${MIN_RSA_BITS} bits or more, or Ed25519`,
    );
  return key;
}

/** p=: the DER SubjectPublicKeyInfo for RSA; the bare 32-byte key for Ed25519 (RFC 8463). */
function publicKeyOf(key: KeyObject): string {
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return (key.asymmetricKeyType === 'ed25519' ? spki.subarray(-32) : spki).toString('base64');
}

function entryOf(entry: unknown, where: string, folder: string): DkimKey {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw new ConfigError(`${where} must be an object {domain, selector, private_key_file}`);
  const fields = entry as Record<string, unknown>;
  const unknown = Object.keys(fields).find((name) => !FIELDS.includes(name));
  if (unknown)
    throw new ConfigError(`${where}: unknown field "${unknown}" (it takes ${FIELDS.join(', ')})`);
  const key = keyOf(fields.private_key_file, where, folder);
  const algorithm = key.asymmetricKeyType === 'ed25519' ? 'ed25519' : 'rsa';
  return {
    domain: domainOf(fields.domain, where),
    selector: selectorOf(fields.selector, where),
    algorithm,
    privateKey: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    dnsTxt: `v=DKIM1; k=${algorithm}; p=${publicKeyOf(key)}`,
  };
}

/**
 * DKIM_KEYS_FILE: a JSON array of {domain, selector, private_key_file}, one key per domain.
 * Unset: nothing is signed. Any problem stops the start, naming the entry; a key's content
 * never appears in a message.
 */
export function loadDkimKeys(file?: string): DkimKey[] {
  if (!file) return [];
  const entries = readJsonArray('DKIM_KEYS_FILE', file, 'key');
  const folder = dirname(resolve(file));
  const keys = entries.map((entry, n) => entryOf(entry, `DKIM_KEYS_FILE: entry ${n + 1}`, folder));
  const seen = new Set<string>();
  for (const [n, { domain }] of keys.entries()) {
    if (seen.has(domain))
      throw new ConfigError(`DKIM_KEYS_FILE: entry ${n + 1}: a second key for ${domain}`);
    seen.add(domain);
  }
  return keys;
}

/** The key for mail From `address`: its domain's, else the nearest listed parent domain's. */
export function dkimKeyFor(keys: readonly DkimKey[], address: string): DkimKey | undefined {
  let domain = domainToASCII(address.slice(address.lastIndexOf('@') + 1).toLowerCase());
  while (domain.includes('.')) {
    const key = keys.find((candidate) => candidate.domain === domain);
    if (key) return key;
    domain = domain.slice(domain.indexOf('.') + 1);
  }
  return undefined;
}
