import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { LuaScript, defineScript } from '../../redis/lua-script';
import {
  ADD_BULL_JOB_LUA,
  BullJobSpec,
  bullJobArgs,
  bullJobKeys,
} from '../../redis/bull-internals';
import { EMAIL_QUEUE, STATUS_TTL_SECONDS, WEBHOOK_QUEUE } from './email.constants';
import { EmailStatusStore, statusOf } from './email-status.store';
import { EmailStatus } from './email.types';

/**
 * What a cancel or a move did: the record it left, or why nothing was changed. `invalid_state`
 * names the email's state: `sending` when its record still says scheduled but a worker has
 * taken its job.
 */
export type ScheduleChange =
  { status: EmailStatus } | { refused: 'not_found' } | { refused: 'invalid_state'; state: string };

// Both scripts begin alike: the record must be the caller's (KEYS[1], ARGV[1]) and scheduled.
// Then the job (ARGV[2]) must still wait in Bull's delayed zset (KEYS[2]), wait list (KEYS[3])
// or paused list (KEYS[4]): Bull moves a job into `active` atomically (BRPOPLPUSH from wait,
// inside Redis), so a job found in none of them has a worker, which will send it.
const CHECK = `
local owner, state = unpack(redis.call('HMGET', KEYS[1], 'owner', 'status'))
if owner ~= ARGV[1] then return {'not_found'} end
if state ~= 'scheduled' then return {'invalid_state', state} end`;

const TAKEN = `return {'invalid_state', 'sending'}`;
// The record as the change left it, field, value, …: the answer needs no second read.
const DONE = `return {'done', unpack(redis.call('HGETALL', KEYS[1]))}`;

// KEYS: status, delayed, wait, paused, job, job logs, the event's five.
// ARGV: owner, job id, canceled_at, record TTL, the event's six (email.canceled, if wanted).
const CANCEL = `${ADD_BULL_JOB_LUA}${CHECK}
if redis.call('ZREM', KEYS[2], ARGV[2]) == 0 and redis.call('LREM', KEYS[3], 0, ARGV[2]) == 0
  and redis.call('LREM', KEYS[4], 0, ARGV[2]) == 0 then ${TAKEN} end
redis.call('DEL', KEYS[5], KEYS[6])
redis.call('HSET', KEYS[1], 'status', 'canceled', 'canceled_at', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
addBullJob(KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], unpack(ARGV, 5, 10))
${DONE}`;

// KEYS: status, delayed, wait, paused, job. ARGV: owner, job id, new send time (epoch ms),
// send_at as given, record TTL. The score is Bull's (ms * 0x1000 + a counter's low 12 bits,
// its FIFO tie-break); the PUBLISH on the delayed key is addJob's, which re-arms the delay
// timer of every worker. A job already due (in wait or paused) goes back to delayed.
const RESCHEDULE = `${CHECK}
local low = 0
local score = redis.call('ZSCORE', KEYS[2], ARGV[2])
if score then low = tonumber(score) % 0x1000
elseif redis.call('LREM', KEYS[3], 0, ARGV[2]) == 0
  and redis.call('LREM', KEYS[4], 0, ARGV[2]) == 0 then ${TAKEN} end
local at = tonumber(ARGV[3])
redis.call('ZADD', KEYS[2], at * 0x1000 + low, ARGV[2])
local created = tonumber(redis.call('HGET', KEYS[5], 'timestamp'))
if created then redis.call('HSET', KEYS[5], 'delay', at - created) end
redis.call('PUBLISH', KEYS[2], at)
redis.call('HSET', KEYS[1], 'send_at', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
${DONE}`;

/**
 * Cancel and reschedule of a scheduled email, each one script on the queue's client: the
 * record's check and the job's move happen in one atomic step, so a worker either took the
 * job before it (the email is sent, the change refused) or never gets it.
 */
@Injectable()
export class EmailScheduleStore {
  private readonly cancelScript: LuaScript;
  private readonly rescheduleScript: LuaScript;

  constructor(
    @InjectQueue(EMAIL_QUEUE) private readonly queue: Queue,
    @InjectQueue(WEBHOOK_QUEUE) private readonly webhookQueue: Queue,
    private readonly statuses: EmailStatusStore,
  ) {
    this.cancelScript = defineScript(queue.client, 'cancelEmail', 11, CANCEL);
    this.rescheduleScript = defineScript(queue.client, 'rescheduleEmail', 5, RESCHEDULE);
  }

  /**
   * Cancels the caller's scheduled email: its job is deleted, its record says `canceled`, and
   * `event` (its email.canceled) is queued, all in one step, or nothing is.
   */
  cancel(id: string, owner: string, now: number, event?: BullJobSpec): Promise<ScheduleChange> {
    const keys = [...this.keysOf(id), `${this.queue.toKey(id)}:logs`];
    const eventKeys = bullJobKeys(this.webhookQueue, event);
    const canceledAt = new Date(now).toISOString();
    const ran = this.cancelScript.run<string[]>(
      ...[...keys, ...eventKeys],
      ...[owner, id, canceledAt, STATUS_TTL_SECONDS, ...bullJobArgs(event)],
    );
    return this.changeOf(ran, owner);
  }

  /** Moves the caller's scheduled email to `sendAt`; its record is kept 7 days past that. */
  reschedule(id: string, owner: string, sendAt: string, now: number): Promise<ScheduleChange> {
    const at = Date.parse(sendAt);
    const ttl = STATUS_TTL_SECONDS + Math.ceil((at - now) / 1000);
    const ran = this.rescheduleScript.run<string[]>(...this.keysOf(id), owner, id, at, sendAt, ttl);
    return this.changeOf(ran, owner);
  }

  /** The record, then where a waiting job can be (Bull's own key names), then the job. */
  private keysOf(id: string): string[] {
    const { queue } = this;
    const lists = [queue.toKey('delayed'), queue.toKey('wait'), queue.toKey('paused')];
    return [this.statuses.keyOf(id), ...lists, queue.toKey(id)];
  }

  /** A script's answer: `done` and the record's fields and values, or why not. */
  private async changeOf(ran: Promise<string[]>, owner: string): Promise<ScheduleChange> {
    const [outcome, ...rest] = await ran;
    if (outcome === 'not_found') return { refused: 'not_found' };
    if (outcome !== 'done') return { refused: 'invalid_state', state: rest[0] };
    const raw: Record<string, string> = {};
    for (let i = 0; i < rest.length; i += 2) raw[rest[i]] = rest[i + 1];
    return { status: statusOf(raw, owner)! }; // the script checked the owner
  }
}
