import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import {
  ADD_BULL_JOB_LUA,
  BullJobSpec,
  bullJobArgs,
  bullJobKeys,
  lockTokenOf,
} from '../../redis/bull-internals';
import { LuaScript, defineScript } from '../../redis/lua-script';
import { EmailStatsStore, MINUTE_TTL_SECONDS, Outcome } from './email-stats.store';
import { EmailStatusStore, StatusUpdate } from './email-status.store';
import { EMAIL_QUEUE, STATUS_TTL_SECONDS, WEBHOOK_QUEUE } from './email.constants';
import { EmailState } from './email.types';

/** What else an email's final write stores: its resting job data, its event. */
export interface Finish {
  resting?: object;
  event?: BullJobSpec;
}

/** What the start of an attempt found: the record's state, or that the job is not ours. */
export type Begun = EmailState | 'lost' | undefined;

// The start of an attempt. KEYS: status, the job's lock; ARGV: attempt, ttl, our lock token.
// A worker whose lock expired (a long pause: Bull gave the job to another, or a cancel took
// it) must not send; nor may anyone send a record that is sent or canceled.
const BEGIN = `
if redis.call('GET', KEYS[2]) ~= ARGV[3] then return 'lost' end
local state = redis.call('HGET', KEYS[1], 'status')
if state and state ~= 'sent' and state ~= 'canceled' then
  redis.call('HSET', KEYS[1], 'status', 'sending', 'attempts', ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return state`;

// A late write (an attempt that overlapped the one that sent, after a stall) changes nothing.
const SETTLED = `
local was = redis.call('HGET', KEYS[1], 'status')
if was == 'sent' or was == 'canceled' then return 0 end`;

// A final outcome, in one atomic call: the status, the deployment's counts, its event and,
// once sent, the job's data in Bull's hash without bodies, context and attachment content
// (nothing at rest that need not be). KEYS: status, job, total, minute, the event's five;
// ARGV: ttl, minute ttl, outcome, resting data ('' keeps the job's data: a failed job keeps
// its bodies for a retry), the event's six, fields.
const FINISH = `${ADD_BULL_JOB_LUA}${SETTLED}
redis.call('HSET', KEYS[1], unpack(ARGV, 11))
redis.call('EXPIRE', KEYS[1], ARGV[1])
if ARGV[4] ~= '' and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[2], 'data', ARGV[4])
end
redis.call('INCR', KEYS[3])
redis.call('HINCRBY', KEYS[4], ARGV[3], 1)
redis.call('EXPIRE', KEYS[4], ARGV[2])
addBullJob(KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], unpack(ARGV, 5, 10))`;

// A change on the way (a retry to come) and its event. KEYS: status, the event's five;
// ARGV: ttl, the event's six, fields.
const CHANGE = `${ADD_BULL_JOB_LUA}${SETTLED}
redis.call('HSET', KEYS[1], unpack(ARGV, 8))
redis.call('EXPIRE', KEYS[1], ARGV[1])
addBullJob(KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], unpack(ARGV, 2, 7))`;

/**
 * The worker's writes to an email's record: the start of an attempt, a retry to come, the
 * final outcome; each one script call, with the event it causes (EmailEventFactory).
 */
@Injectable()
export class EmailOutcomeStore {
  private readonly beginScript: LuaScript;
  private readonly finishScript: LuaScript;
  private readonly changeScript: LuaScript;

  constructor(
    @InjectQueue(EMAIL_QUEUE) private readonly queue: Queue,
    @InjectQueue(WEBHOOK_QUEUE) private readonly webhookQueue: Queue,
    private readonly statuses: EmailStatusStore,
    private readonly stats: EmailStatsStore,
  ) {
    this.beginScript = defineScript(queue.client, 'beginEmailSend', 2, BEGIN);
    this.finishScript = defineScript(queue.client, 'finishEmail', 9, FINISH);
    this.changeScript = defineScript(queue.client, 'changeEmail', 6, CHANGE);
  }

  /**
   * The start of `job`'s attempt, in one round trip: the state the record had (marked
   * `sending` unless missing, sent or canceled), or `lost` when the job's lock is not ours.
   */
  async begin(job: Job, attempt: number): Promise<Begun> {
    const state = await this.beginScript.run<EmailState | 'lost' | null>(
      ...[this.statuses.keyOf(String(job.id)), job.lockKey()],
      ...[attempt, STATUS_TTL_SECONDS, lockTokenOf(this.queue)],
    );
    return state ?? undefined;
  }

  /** A change that is not the end (a retry to come), with its event if anyone listens. */
  async update(id: string, update: StatusUpdate, event?: BullJobSpec): Promise<void> {
    const [key, ttl, ...fields] = this.statuses.writeArgs(id, STATUS_TTL_SECONDS, update);
    await this.changeScript.run(
      ...[key, ...bullJobKeys(this.webhookQueue, event)],
      ...[ttl, ...bullJobArgs(event), ...fields],
    );
  }

  /**
   * The final write of an email (`sent`, `failed` or `suppressed`): its status, the counts, its event and,
   * with `resting`, the job's data replaced by it, in one call.
   */
  async finish(
    id: string,
    update: StatusUpdate,
    outcome: Outcome,
    more: Finish = {},
  ): Promise<void> {
    const [key, ttl, ...fields] = this.statuses.writeArgs(id, STATUS_TTL_SECONDS, update);
    const { total, minute } = this.stats.keysFor(outcome);
    const data = more.resting ? JSON.stringify(more.resting) : '';
    const eventKeys = bullJobKeys(this.webhookQueue, more.event);
    await this.finishScript.run(
      ...[key, this.queue.toKey(id), total, minute, ...eventKeys],
      ...[ttl, MINUTE_TTL_SECONDS, outcome, data, ...bullJobArgs(more.event), ...fields],
    );
  }
}
