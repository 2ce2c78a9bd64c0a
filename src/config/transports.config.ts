import { ConfigError } from './config.error';
import { CONFIG_NAME, readJsonArray } from './json-file.reader';

/** One named SMTP transport (SPEC §9), checked at start; each gets its own connection pool. */
export interface SmtpTransportConfig {
  name: string;
  /** smtp:// or smtps://, credentials included: never logged nor shown. */
  url: string;
  /** The pool's connections; unset = WORKER_CONCURRENCY. */
  pool?: number;
}

/** SMTP_URL alone is one transport by this name. */
export const DEFAULT_TRANSPORT = 'default';
/** The test keys' transport: a file transport may not take its name. */
export const RESERVED_TRANSPORT = 'outbox';

const FIELDS = ['name', 'url', 'pool'];

function nameOf(value: unknown, where: string): string {
  if (typeof value !== 'string' || !CONFIG_NAME.test(value))
    throw new ConfigError(`${where}.name must be 1-64 of A-Z a-z 0-9 _ . -`);
  if (value === RESERVED_TRANSPORT)
    throw new ConfigError(`${where}.name "${RESERVED_TRANSPORT}" is reserved for test keys`);
  return value;
}

/** The URL itself never appears in a message: it carries the relay's password. */
export function checkSmtpUrl(value: unknown, where: string): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (
    !url ||
    !['smtp:', 'smtps:'].includes(url.protocol) ||
    !url.hostname ||
    url.pathname.length > 1
  )
    throw new ConfigError(`${where} must look like smtp://user:pass@host:port or smtps://…`);
  try {
    [url.username, url.password].forEach((part) => decodeURIComponent(part));
  } catch {
    throw new ConfigError(`${where}: the user or password has a bad %-escape`);
  }
  return value as string;
}

function poolOf(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 100)
    throw new ConfigError(`${where}.pool must be a whole number from 1 to 100`);
  return value as number;
}

function entryOf(entry: unknown, where: string): SmtpTransportConfig {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw new ConfigError(`${where} must be an object {name, url, pool?}`);
  const fields = entry as Record<string, unknown>;
  const unknown = Object.keys(fields).find((name) => !FIELDS.includes(name));
  if (unknown)
    throw new ConfigError(`${where}: unknown field "${unknown}" (it takes ${FIELDS.join(', ')})`);
  const name = nameOf(fields.name, where);
  return {
    name,
    url: checkSmtpUrl(fields.url, `${where} ("${name}").url`),
    pool: poolOf(fields.pool, `${where} ("${name}")`),
  };
}

/**
 * TRANSPORTS_FILE's transports in file order, or SMTP_URL as `default`; neither: none (the
 * outbox). Both set is refused rather than one silently ignored.
 */
export function loadTransports(file?: string, smtpUrl?: string): SmtpTransportConfig[] {
  if (file && smtpUrl) throw new ConfigError('TRANSPORTS_FILE: set it or SMTP_URL, not both');
  if (smtpUrl) return [{ name: DEFAULT_TRANSPORT, url: checkSmtpUrl(smtpUrl, 'SMTP_URL') }];
  if (!file) return [];
  const transports = readJsonArray('TRANSPORTS_FILE', file, 'transport').map((entry, n) =>
    entryOf(entry, `TRANSPORTS_FILE: entry ${n + 1}`),
  );
  const seen = new Set<string>();
  for (const [n, { name }] of transports.entries()) {
    if (seen.has(name))
      throw new ConfigError(`TRANSPORTS_FILE: entry ${n + 1}: the name "${name}" is used twice`);
    seen.add(name);
  }
  return transports;
}

/** Every name a key's `transports` lists must be a configured transport. */
export function checkKeyRoutes(
  keys: readonly { name: string; transports?: string[] }[],
  transports: readonly SmtpTransportConfig[],
): void {
  const names = new Set(transports.map(({ name }) => name));
  for (const key of keys) {
    const unknown = key.transports?.find((name) => !names.has(name));
    if (unknown !== undefined)
      throw new ConfigError(
        `API_KEYS_FILE: key "${key.name}" lists the unknown transport "${unknown}"`,
      );
    const twice = key.transports?.find((name, n) => key.transports?.indexOf(name) !== n);
    if (twice !== undefined)
      throw new ConfigError(`API_KEYS_FILE: key "${key.name}" lists "${twice}" twice`);
  }
}
