import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { MailAddress, parseAddress } from '../mail-syntax/address.parser';
import { ConfigError } from './config.error';
import { ApiKeyRecord, isTrialKey, loadApiKeys } from './api-key.parser';
import { MAX_PROCESSES, ProcessPlan, ROLES, Role, SUPERVISED_AS, planOf } from './role';
import { DkimKey, loadDkimKeys } from './dkim.config';
import { WebhookEndpoint, loadDefaultWebhook } from './webhook.config';
import { SmtpTransportConfig, checkKeyRoutes, loadTransports } from './transports.config';

// A host name of two or more LDH labels (punycode for an IDN): the domain an MX record names.
const DOMAIN =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const PROCESSES = `$property must be a whole number from 1 to ${MAX_PROCESSES}`;

/** Every variable the service reads; the single source for ConfigService types. */
export class EnvironmentVariables {
  /** `production` (the image sets it) refuses the public trial key of .env.example. */
  @IsOptional() @IsString() NODE_ENV?: string;
  @IsInt() @Min(0) @Max(65535) PORT: number = 3000;
  @IsString() @MinLength(1) HOST: string = '0.0.0.0';
  @Matches(/^rediss?:\/\/\S+$/, { message: '$property must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';
  @Matches(/^[A-Za-z0-9_{}:-]{1,64}$/, {
    message: '$property must be 1-64 of A-Z a-z 0-9 _ - : { }',
  })
  QUEUE_PREFIX = 'bull';
  @IsOptional()
  @Matches(/^smtps?:\/\/[^\s/]+(:\d+)?\/?$/, {
    message: '$property must look like smtp://user:pass@host:port',
  })
  SMTP_URL?: string;
  @IsString() @MinLength(1) OUTBOX_DIR = './outbox';
  @IsOptional() @IsString() MAIL_FROM?: string;
  @IsOptional() @IsString() API_KEYS?: string;
  @IsOptional() @IsString() API_KEYS_FILE?: string;
  @IsIn(ROLES) ROLE: Role = 'all';
  /** ROLE=all: HTTP API processes; unset = half the CPUs, rounded down, at least 1 (role.ts). */
  @IsOptional()
  @IsInt({ message: PROCESSES })
  @Min(1, { message: PROCESSES })
  @Max(MAX_PROCESSES, { message: PROCESSES })
  API_PROCESSES?: number;
  /**
   * ROLE=all: worker processes; unset = half the CPUs, rounded up. Never more than
   * WORKER_CONCURRENCY: a larger value is capped (with a warning at start).
   */
  @IsOptional()
  @IsInt({ message: PROCESSES })
  @Min(1, { message: PROCESSES })
  @Max(MAX_PROCESSES, { message: PROCESSES })
  WORKER_PROCESSES?: number;
  // Each send waits on ~8 round trips (Redis, SMTP), so a worker needs many in flight to use
  // its CPU; 16 stays under Postfix's default of 20 parallel deliveries to one relay.
  // ROLE=all: the sends of all worker processes together, split across them (role.ts); in a
  // worker process the supervisor runs, validate() turns it into that process's share.
  @IsInt() @Min(1) @Max(100) WORKER_CONCURRENCY: number = 16;
  @IsInt() @Min(1) @Max(50) SEND_ATTEMPTS: number = 5;
  @IsInt() @Min(1) @Max(3_600_000) SEND_BACKOFF_MS: number = 2000;
  @IsInt() @Min(1) @Max(86_400_000) SEND_BACKOFF_MAX_MS: number = 600_000;
  // At least 2 s: Bull renews the lock every half of it, and a worker's longest synchronous
  // step (a 1 MB HTML body's text part, about 0.5 s) must not let it lapse, or a second
  // worker would send the mail again.
  @IsInt() @Min(2000) @Max(600_000) JOB_LOCK_MS: number = 30_000;
  /** Failed jobs kept (with their bodies, for a retry) besides the 14-day age limit. */
  @IsInt() @Min(1) @Max(100_000) FAILED_JOBS_KEPT: number = 1000;
  @IsInt() @Min(0) @Max(600_000) SHUTDOWN_GRACE_MS: number = 10_000;
  @IsInt() @Min(100) @Max(600_000) SMTP_TIMEOUT_MS: number = 30_000;
  @IsInt() @Min(100) @Max(10_000) REDIS_TIMEOUT_MS: number = 2000;
  /** Emails per minute per API key unless its API_KEYS_FILE entry says otherwise; 0 = no limit. */
  @IsInt() @Min(0) @Max(1_000_000) RATE_LIMIT_PER_MINUTE: number = 1000;
  @IsOptional() @IsString() @MinLength(1) BOARD_USER?: string;
  @IsOptional() @IsString() @MinLength(12) BOARD_PASSWORD?: string;
  /** ROLE=worker: a port that serves only /health and /metrics; unset = no port at all. */
  @IsOptional() @IsInt() @Min(1) @Max(65535) HEALTH_PORT?: number;
  @IsIn(LOG_LEVELS) LOG_LEVEL = 'info';
  @IsOptional() @IsString() LOG_FILE?: string;
  @Matches(/^\d+(b|kb|mb)?$/i, { message: '$property must be a size like 10mb, 512kb or 1048576' })
  MAX_BODY = '10mb';
  /** Events of keys without their own `webhook` (SPEC §7); both or neither. */
  @IsOptional() @IsString() WEBHOOK_URL?: string;
  @IsOptional() @IsString() WEBHOOK_SECRET?: string;
  // SPEC §7 asks for 8+ tries over 12+ h: 12 tries, backing off from 60 s doubling up to 4 h a
  // wait, span about 16 h (webhook-queue.options.ts), so an endpoint down overnight loses nothing.
  @IsInt() @Min(1) @Max(50) WEBHOOK_ATTEMPTS: number = 12;
  @IsInt() @Min(10) @Max(86_400_000) WEBHOOK_BACKOFF_MS: number = 60_000;
  @IsInt() @Min(100) @Max(60_000) WEBHOOK_TIMEOUT_MS: number = 10_000;
  /** Parallel webhook POSTs of each worker process (not split like WORKER_CONCURRENCY). */
  @IsInt() @Min(1) @Max(100) WEBHOOK_CONCURRENCY: number = 8;
  /** The envelope sender's domain (VERP): bounces come back there (SPEC §8); lowercased. */
  @IsOptional()
  @Matches(DOMAIN, { message: '$property must be a domain name like bounces.shop.example' })
  BOUNCE_DOMAIN?: string;
  /** The inbound SMTP listener for bounces and complaints; unset = off. Needs BOUNCE_DOMAIN. */
  @IsOptional() @IsInt() @Min(1) @Max(65535) BOUNCE_SMTP_PORT?: number;
  @IsString() @MinLength(1) BOUNCE_SMTP_HOST: string = '0.0.0.0';
  /** JSON [{domain, selector, private_key_file}]: mail From those domains is DKIM-signed. */
  @IsOptional() @IsString() DKIM_KEYS_FILE?: string;
  /** JSON [{name, url, pool?}]: named SMTP transports, failed over in order (SPEC §9). */
  @IsOptional() @IsString() TRANSPORTS_FILE?: string;
  /** How long a transport that failed is skipped while others of a key's list work. */
  @IsInt() @Min(0) @Max(3_600_000) TRANSPORT_COOLDOWN_MS: number = 30_000;
  /** Not a variable: API_KEYS and API_KEYS_FILE as validate() parsed them, once. */
  declare apiKeys: ApiKeyRecord[];
  /** Not a variable: MAIL_FROM as validate() parsed it. */
  declare mailFrom?: MailAddress;
  /** Not a variable: WEBHOOK_URL and WEBHOOK_SECRET as validate() parsed them. */
  declare webhookDefault?: WebhookEndpoint;
  /** Not a variable: DKIM_KEYS_FILE's keys, loaded and checked. */
  declare dkimKeys: DkimKey[];
  /** Not a variable: TRANSPORTS_FILE's transports, or SMTP_URL as `default`; none = outbox. */
  declare transports: SmtpTransportConfig[];
  /** Not a variable: what this process runs, from ROLE (see role.ts). */
  declare plan: ProcessPlan;
}

/** The variables the service knows (every property a fresh instance has). */
export const VARIABLES = Object.keys(new EnvironmentVariables());

/** Validates process.env (plus .env) once at start; throws ConfigError naming the variable. */
export function validate(
  raw: Record<string, unknown>,
  cpus = availableParallelism(),
  isClusterWorker = cluster.isWorker,
): EnvironmentVariables {
  const picked: Record<string, unknown> = {};
  for (const name of VARIABLES) {
    const value = raw[name];
    if (value === undefined || value === '') continue;
    picked[name] = value;
  }
  const env = plainToInstance(EnvironmentVariables, picked, { enableImplicitConversion: true });
  const [error] = validateSync(env, { skipMissingProperties: false });
  if (error) {
    // The value itself is not echoed: several variables carry secrets.
    // One message per different reason (a shared message, as the process counts', once).
    throw new ConfigError([...new Set(Object.values(error.constraints ?? {}))].join('; '));
  }
  env.mailFrom = env.MAIL_FROM ? (parseAddress(env.MAIL_FROM) ?? undefined) : undefined;
  if (env.MAIL_FROM && !env.mailFrom) {
    throw new ConfigError('MAIL_FROM: must be one address like "Shop <no-reply@shop.example>"');
  }
  env.BOUNCE_DOMAIN = env.BOUNCE_DOMAIN?.toLowerCase();
  if (env.BOUNCE_SMTP_PORT !== undefined && !env.BOUNCE_DOMAIN)
    throw new ConfigError('BOUNCE_SMTP_PORT: needs BOUNCE_DOMAIN, the domain it accepts mail for');
  env.apiKeys = loadApiKeys(env.API_KEYS, env.API_KEYS_FILE);
  env.webhookDefault = loadDefaultWebhook(env.WEBHOOK_URL, env.WEBHOOK_SECRET);
  env.dkimKeys = loadDkimKeys(env.DKIM_KEYS_FILE);
  env.transports = loadTransports(env.TRANSPORTS_FILE, env.SMTP_URL);
  checkKeyRoutes(env.apiKeys, env.transports);
  const supervisedAs = raw[SUPERVISED_AS];
  env.plan = planOf(
    env,
    cpus,
    typeof supervisedAs === 'string' && supervisedAs !== '' ? supervisedAs : undefined,
    isClusterWorker,
  );
  // What the worker reads is its own share of the sends (the whole of it outside a supervisor).
  if (env.plan.worker) env.WORKER_CONCURRENCY = env.plan.concurrency;
  const trial = env.apiKeys.find(isTrialKey);
  if (trial && env.NODE_ENV === 'production') {
    throw new ConfigError(
      `API_KEYS: "${trial.name}" is the public trial key of .env.example; NODE_ENV=production needs keys of your own`,
    );
  }
  return env;
}

/**
 * For ConfigModule: a bad variable ends the start here, with exit code 1 and one line on
 * stderr, before Nest would log the error with a stack trace.
 */
export function validateOrExit(raw: Record<string, unknown>): EnvironmentVariables {
  try {
    return validate(raw);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
}
