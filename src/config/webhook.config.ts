/**
 * Delivery-event endpoints (SPEC §7): a key file entry's `webhook` and WEBHOOK_URL with
 * WEBHOOK_SECRET, checked once at start. Pure: no Nest, so the configuration can use it.
 */
import { BlockList, isIP } from 'node:net';
import { ConfigError } from './config.error';

export const WEBHOOK_EVENT_TYPES = [
  'email.sent',
  'email.delivery_delayed',
  'email.failed',
  'email.canceled',
  'email.suppressed',
  'email.bounced',
  'email.complained',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Where one key's events go (SPEC §7). */
export interface WebhookEndpoint {
  url: string;
  /** The base64-decoded part of the `whsec_` secret: the HMAC-SHA256 key of the signature. */
  secret: Buffer;
  /** Only these types are sent; unset = every type. */
  events?: ReadonlySet<WebhookEventType>;
}

const FIELDS = ['url', 'secret', 'events'];
const SECRET_PREFIX = 'whsec_';
// Standard Webhooks asks for 24 to 64 bytes; fewer would be a guessable signing key.
const MIN_SECRET_BYTES = 24;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

// Plain http only where the traffic stays on this host or a private network. A hostname
// (other than localhost) is refused: DNS could point it anywhere.
const PRIVATE = new BlockList();
PRIVATE.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addSubnet('169.254.0.0', 16, 'ipv4');
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');
PRIVATE.addSubnet('fe80::', 10, 'ipv6');

function isLoopbackOrPrivate(hostname: string): boolean {
  if (hostname === 'localhost') return true;
  const address = hostname.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(address);
  return family !== 0 && PRIVATE.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** The URL, normalized; `name` is how messages call it. The value itself is never echoed. */
export function parseWebhookUrl(value: unknown, name: string): string {
  let url: URL;
  try {
    url = new URL(typeof value === 'string' ? value : '');
  } catch {
    throw new ConfigError(`${name} must be an absolute URL like https://hooks.example/mail`);
  }
  const plainAllowed = url.protocol === 'http:' && isLoopbackOrPrivate(url.hostname);
  if (url.protocol !== 'https:' && !plainAllowed) {
    throw new ConfigError(`${name} must be https (http only on loopback or private addresses)`);
  }
  if (url.username || url.password) {
    throw new ConfigError(`${name} must not carry credentials (user:pass@)`);
  }
  // An empty fragment ("…/#") leaves url.hash empty; every '#' starts one.
  if (url.href.includes('#')) throw new ConfigError(`${name} must not have a fragment (#…)`);
  return url.href;
}

/** `whsec_<base64>` into the signing key; `name` is how messages call it, never its value. */
export function parseWebhookSecret(value: unknown, name: string): Buffer {
  if (typeof value !== 'string' || !value.startsWith(SECRET_PREFIX)) {
    throw new ConfigError(`${name} must start with ${SECRET_PREFIX} (a Standard Webhooks secret)`);
  }
  const encoded = value.slice(SECRET_PREFIX.length);
  const key = Buffer.from(encoded, 'base64');
  // Strict: Buffer.from skips what is not base64, so only the round trip shows a typo.
  if (!BASE64.test(encoded) || key.toString('base64') !== encoded) {
    throw new ConfigError(`${name} must be ${SECRET_PREFIX} followed by padded standard base64`);
  }
  if (key.length < MIN_SECRET_BYTES) {
    throw new ConfigError(`${name} must decode to at least ${MIN_SECRET_BYTES} bytes`);
  }
  return key;
}

const isEventType = (value: unknown): value is WebhookEventType =>
  WEBHOOK_EVENT_TYPES.includes(value as WebhookEventType);

function parseEvents(value: unknown, name: string): ReadonlySet<WebhookEventType> {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigError(`${name} must be a non-empty array of event types`);
  }
  const events = new Set<WebhookEventType>();
  for (const type of value as unknown[]) {
    if (!isEventType(type)) {
      throw new ConfigError(
        `${name}: ${JSON.stringify(type)} is not one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
      );
    }
    if (events.has(type)) throw new ConfigError(`${name}: "${type}" is listed twice`);
    events.add(type);
  }
  return events;
}

/**
 * A key file entry's `{url, secret, events?}`; `where` names it in messages, e.g.
 * "API_KEYS_FILE: entry 2: webhook" gives "API_KEYS_FILE: entry 2: webhook.url must be …".
 */
export function parseWebhookEndpoint(raw: unknown, where: string): WebhookEndpoint {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${where} must be an object {url, secret, events?}`);
  }
  const fields = raw as Record<string, unknown>;
  // A misspelt "events" would otherwise quietly subscribe to every type.
  const unknown = Object.keys(fields).find((field) => !FIELDS.includes(field));
  if (unknown !== undefined) {
    throw new ConfigError(`${where}: unknown field "${unknown}" (it takes url, secret, events)`);
  }
  const endpoint: WebhookEndpoint = {
    url: parseWebhookUrl(fields.url, `${where}.url`),
    secret: parseWebhookSecret(fields.secret, `${where}.secret`),
  };
  if (fields.events !== undefined) endpoint.events = parseEvents(fields.events, `${where}.events`);
  return endpoint;
}

/** WEBHOOK_URL and WEBHOOK_SECRET: both or neither (neither = no events for keys without one). */
export function loadDefaultWebhook(url?: string, secret?: string): WebhookEndpoint | undefined {
  if (!url && !secret) return undefined;
  if (!secret) throw new ConfigError('WEBHOOK_SECRET must be set when WEBHOOK_URL is');
  if (!url) throw new ConfigError('WEBHOOK_URL must be set when WEBHOOK_SECRET is');
  return {
    url: parseWebhookUrl(url, 'WEBHOOK_URL'),
    secret: parseWebhookSecret(secret, 'WEBHOOK_SECRET'),
  };
}
