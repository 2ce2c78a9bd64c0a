import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { LuaScript, defineScript } from '../../redis/lua-script';
import { EMAIL_QUEUE } from './email.constants';

/** What one charge against a key's budget found. */
export interface RateLimitResult {
  allowed: boolean;
  /** Emails counted in the current window, including this charge when it was allowed. */
  used: number;
  /** Milliseconds until the window starts over. */
  resetMs: number;
}

export const RATE_WINDOW_MS = 60_000;

// Charge `cost` only if all of it fits: a batch over what is left is refused whole, and a
// refused request uses none of the budget. One script call: one round trip, atomic across
// every api process on the Redis.
const CHARGE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
local cost = tonumber(ARGV[1])
if used + cost > tonumber(ARGV[2]) then return {0, used, ttl} end
used = redis.call('INCRBY', KEYS[1], cost)
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  ttl = tonumber(ARGV[3])
end
return {1, used, ttl}`;

/**
 * Per-key fixed one-minute windows that count emails, not requests. Written by hand: the
 * throttler packages count one hit per request and cannot refuse a batch whole.
 */
@Injectable()
export class RateLimitStore {
  private readonly charge: LuaScript;

  constructor(@InjectQueue(EMAIL_QUEUE) private readonly queue: Queue) {
    this.charge = defineScript(queue.client, 'chargeRateLimit', 1, CHARGE);
  }

  async take(owner: string, cost: number, limit: number): Promise<RateLimitResult> {
    const [allowed, used, ttl] = await this.charge.run<[number, number, number]>(
      this.queue.toKey(`rate-limit:${owner}`),
      cost,
      limit,
      RATE_WINDOW_MS,
    );
    return { allowed: allowed === 1, used, resetMs: ttl > 0 ? ttl : RATE_WINDOW_MS };
  }
}
