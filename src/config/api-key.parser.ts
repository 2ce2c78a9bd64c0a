/**
 * API_KEYS and API_KEYS_FILE into key records, once at start (env.validation calls it).
 * Pure: no Nest, no config service, so the configuration can use it without a cycle.
 */
import { plainToInstance } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { createHash } from 'node:crypto';
import { ConfigError } from './config.error';
import { CONFIG_NAME, readJsonArray } from './json-file.reader';
import { WebhookEndpoint, parseWebhookEndpoint } from './webhook.config';
import { parseAddress } from '../mail-syntax/address.parser';

/** An app's key as the service holds it: a SHA-256 digest, never the key itself. */
export interface ApiKeyRecord {
  name: string;
  digest: Buffer;
  allowedFrom?: string[];
  rateLimitPerMinute?: number;
  test: boolean;
  /** Where this key's delivery events go; unset = WEBHOOK_URL, if set (SPEC §7). */
  webhook?: WebhookEndpoint;
  /** The transports its mail may use, in order (SPEC §9); unset = every one, file order. */
  transports?: string[];
}

/** SHA-256 of a secret: keys and passwords are held and compared only in this form. */
export const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();
/** The trial key of .env.example: public, so fine on a laptop and refused in production. */
const TRIAL_KEY_DIGEST = sha256('dev-key-change-me-0123456789');
export const isTrialKey = (record: ApiKeyRecord): boolean => record.digest.equals(TRIAL_KEY_DIGEST);
const MIN_KEY_LENGTH = 16;

class ApiKeyEntry {
  @Matches(CONFIG_NAME, { message: 'name must be 1-64 of A-Z a-z 0-9 _ . -' }) name!: string;
  @IsOptional() @IsString() @MinLength(MIN_KEY_LENGTH) key?: string;
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/i, { message: 'key_sha256 must be 64 hex characters' })
  key_sha256?: string;
  @IsOptional() @IsArray() @IsString({ each: true }) allowed_from?: string[];
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000) rate_limit_per_minute?: number;
  @IsOptional() @IsBoolean() test?: boolean;
  /** `{url, secret, events?}`, checked by parseWebhookEndpoint (API_KEYS_FILE only). */
  webhook?: unknown;
  @IsOptional() @IsArray() @ArrayNotEmpty() @IsString({ each: true }) transports?: string[];
}

function fromEntry(entry: ApiKeyEntry, where: string): ApiKeyRecord {
  const [error] = validateSync(entry, { forbidUnknownValues: true });
  if (error)
    throw new ConfigError(`${where}: ${Object.values(error.constraints ?? {}).join('; ')}`);
  if (!entry.key === !entry.key_sha256) {
    throw new ConfigError(`${where}: give exactly one of key or key_sha256`);
  }
  const badPattern = entry.allowed_from?.find((p) => !parseAddress(p.replace(/^\*@/, 'x@')));
  if (badPattern !== undefined) {
    throw new ConfigError(
      `${where}: allowed_from pattern "${badPattern}" is not user@host or *@host`,
    );
  }
  return {
    name: entry.name,
    digest: entry.key ? sha256(entry.key) : Buffer.from(entry.key_sha256!, 'hex'),
    allowedFrom: entry.allowed_from,
    rateLimitPerMinute: entry.rate_limit_per_minute,
    test: entry.test ?? false,
    webhook:
      entry.webhook === undefined
        ? undefined
        : parseWebhookEndpoint(entry.webhook, `${where}: webhook`),
    transports: entry.transports,
  };
}

function parseList(list: string): ApiKeyRecord[] {
  return list.split(',').map((pair, index) => {
    const colon = pair.indexOf(':');
    const entry = { name: pair.slice(0, colon).trim(), key: pair.slice(colon + 1).trim() };
    return fromEntry(
      plainToInstance(ApiKeyEntry, colon < 0 ? {} : entry),
      `API_KEYS: entry ${index + 1}`,
    );
  });
}

function parseFile(path: string): ApiKeyRecord[] {
  return readJsonArray('API_KEYS_FILE', path, 'key').map((entry, index) =>
    fromEntry(plainToInstance(ApiKeyEntry, entry as object), `API_KEYS_FILE: entry ${index + 1}`),
  );
}

/** Reads API_KEYS and API_KEYS_FILE; throws ConfigError naming the variable and entry. */
export function loadApiKeys(list?: string, file?: string): ApiKeyRecord[] {
  const records = [...(list ? parseList(list) : []), ...(file ? parseFile(file) : [])];
  if (records.length === 0) throw new ConfigError('API_KEYS: set API_KEYS or API_KEYS_FILE');
  const names = new Set<string>();
  const digests = new Set<string>();
  for (const { name, digest } of records) {
    if (names.has(name)) throw new ConfigError(`API_KEYS: the name "${name}" is used twice`);
    if (digests.has(digest.toString('hex')))
      throw new ConfigError(`API_KEYS: "${name}" repeats a key`);
    names.add(name);
    digests.add(digest.toString('hex'));
  }
  return records;
}
