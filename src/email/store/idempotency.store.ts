import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { LuaScript, defineScript } from '../../redis/lua-script';
import { sha256 } from '../../config/api-key.parser';
import { EMAIL_QUEUE } from './email.constants';

/** What a claim found: nothing (now ours), a request still running, or a finished one. */
export type Claim =
  | { state: 'claimed' }
  | { state: 'pending'; fingerprint: string }
  | { state: 'done'; fingerprint: string; response: unknown };

const REMEMBER_MS = 24 * 3600 * 1000;
/** A claim whose request died mid-way frees its key after this, not after 24 h. */
const PENDING_MS = 60 * 1000;

// Atomic "read it, or take it": of concurrent requests with one key exactly one is claimed.
const CLAIM = `
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;

type Stored = { f: string; s: 'pending' | 'done'; r?: unknown };

const hex = (value: string): string => sha256(value).toString('hex');

/** JSON with sorted keys, so that {a,b} and {b,a} are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const fingerprintOf = (route: string, body: unknown): string =>
  hex(`${route}\n${canonical(body)}`);

/** Idempotency records in Redis, scoped to the API key, remembered 24 h. */
@Injectable()
export class IdempotencyStore {
  private readonly claimScript: LuaScript;

  constructor(@InjectQueue(EMAIL_QUEUE) private readonly queue: Queue) {
    this.claimScript = defineScript(queue.client, 'claimIdempotencyKey', 1, CLAIM);
  }

  keyOf(apiKeyName: string, idempotencyKey: string): string {
    return this.queue.toKey(`idempotency:${apiKeyName}:${hex(idempotencyKey)}`);
  }

  async claim(key: string, fingerprint: string): Promise<Claim> {
    const pending: Stored = { f: fingerprint, s: 'pending' };
    const raw = await this.claimScript.run<string | null>(key, JSON.stringify(pending), PENDING_MS);
    if (!raw) return { state: 'claimed' };
    const stored = JSON.parse(raw) as Stored;
    return stored.s === 'done'
      ? { state: 'done', fingerprint: stored.f, response: stored.r }
      : { state: 'pending', fingerprint: stored.f };
  }

  async complete(key: string, fingerprint: string, response: unknown): Promise<void> {
    const done: Stored = { f: fingerprint, s: 'done', r: response };
    await this.queue.client.set(key, JSON.stringify(done), 'PX', REMEMBER_MS);
  }

  async release(key: string): Promise<void> {
    await this.queue.client.del(key);
  }
}
