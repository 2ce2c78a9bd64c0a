import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { LuaScript, defineScript } from '../../../redis/lua-script';
import { WEBHOOK_QUEUE } from '../../store/email.constants';

// Each acts only on an event still held (in Bull's delayed set): one that Bull has promoted
// meanwhile is Bull's to deliver, and is left alone. KEYS: delayed; ARGV[1]: the key prefix.

// ARGV: prefix, ids … Delivered: the job is gone (its hash and logs).
const RELEASE = `
for i = 2, #ARGV do
  if redis.call('ZREM', KEYS[1], ARGV[i]) == 1 then
    redis.call('DEL', ARGV[1] .. ARGV[i], ARGV[1] .. ARGV[i] .. ':logs')
  end
end`;

// The PUBLISH is Bull's own for a job moved to delayed: it re-arms every worker's delay timer.

// ARGV: prefix, id, due (epoch ms), reason. The first try failed: Bull makes the next ones.
const RETRY_LATER = `
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[3]) * 0x1000, ARGV[2])
redis.call('HSET', ARGV[1] .. ARGV[2], 'attemptsMade', 1, 'failedReason', ARGV[4])
redis.call('PUBLISH', KEYS[1], ARGV[3])
return 1`;

// ARGV: prefix, now (epoch ms), ids … Not tried here after all: due at once, for any worker.
const DUE_NOW = `
for i = 3, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], tonumber(ARGV[2]) * 0x1000, ARGV[i])
  end
end
redis.call('PUBLISH', KEYS[1], ARGV[2])`;

/**
 * Held events: the event jobs a worker adds as delayed by WebhookDispatcher's hold, to POST
 * them itself at once. Bull delivers a held event only if this worker did not settle it in
 * time (it died, or was too busy): the hold is the event's safety net, not its route.
 */
@Injectable()
export class WebhookHoldStore {
  private readonly releaseScript: LuaScript;
  private readonly retryScript: LuaScript;
  private readonly dueNowScript: LuaScript;

  constructor(@InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue) {
    this.releaseScript = defineScript(queue.client, 'releaseHeldEvents', 1, RELEASE);
    this.retryScript = defineScript(queue.client, 'retryHeldEvent', 1, RETRY_LATER);
    this.dueNowScript = defineScript(queue.client, 'heldEventsDueNow', 1, DUE_NOW);
  }

  /** The events were delivered: nothing of them is left for Bull. */
  async release(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.releaseScript.run(this.delayed, this.prefix, ...ids);
  }

  /** The first try failed: Bull tries again at `due`, counting that try as its first. */
  async retryLater(id: string, due: number, reason: string): Promise<void> {
    await this.retryScript.run(this.delayed, this.prefix, id, due, reason);
  }

  /** Events this worker will not try after all (it is stopping): due now, for any worker. */
  async dueNow(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.dueNowScript.run(this.delayed, this.prefix, Date.now(), ...ids);
  }

  private get delayed(): string {
    return this.queue.toKey('delayed');
  }

  private get prefix(): string {
    return this.queue.toKey('');
  }
}
