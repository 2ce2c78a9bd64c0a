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
import { EmailState, EmailStatus } from './email.types';
import { EmailStatsStore, MINUTE_TTL_SECONDS, Outcome } from './email-stats.store';

/** Fields a worker may change after the record is created. */
export type StatusUpdate = Partial<
  Pick<EmailStatus, 'status' | 'attempts' | 'sent_at' | 'error' | 'rejected'>
>;

/** What else an email's final write stores: its resting job data, its event. */
export interface Finish {
  resting?: object;
  event?: BullJobSpec;
}

/** A new record: who may read it, and how long it must outlive its send time. */
export interface NewStatus {
  status: EmailStatus;
  owner: string;
  delayMs: number;
}

// One atomic call per write (not a MULTI), so that the writes of concurrent requests and
// jobs share the client's auto-pipeline.
const WRITE = `
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])`;

// A final outcome, in one atomic call: the status, the deployment's counts, its event and,
// once sent, the job's data in Bull's hash without bodies, context and attachment content
// (nothing at rest that need not be). KEYS: status, job, total, minute, the event's four;
// ARGV: ttl, minute ttl, outcome, resting data ('' keeps the job's data: a failed job keeps
// its bodies for a retry), the event's five, fields. A late `failed` (a stalled job whose
// mail had gone out) leaves a `sent` record as it is, and tells nobody.
const FINISH = `${ADD_BULL_JOB_LUA}
if ARGV[3] == 'failed' and redis.call('HGET', KEYS[1], 'status') == 'sent' then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 10))
redis.call('EXPIRE', KEYS[1], ARGV[1])
if ARGV[4] ~= '' and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[2], 'data', ARGV[4])
end
redis.call('INCR', KEYS[3])
redis.call('HINCRBY', KEYS[4], ARGV[3], 1)
redis.call('EXPIRE', KEYS[4], ARGV[2])
addBullJob(KEYS[5], KEYS[6], KEYS[7], KEYS[8], unpack(ARGV, 5, 9))`;

// A change on the way (a retry to come) and its event. KEYS: status, the event's four;
// ARGV: ttl, the event's five, fields.
const CHANGE = `${ADD_BULL_JOB_LUA}
redis.call('HSET', KEYS[1], unpack(ARGV, 7))
redis.call('EXPIRE', KEYS[1], ARGV[1])
addBullJob(KEYS[2], KEYS[3], KEYS[4], KEYS[5], unpack(ARGV, 2, 6))`;

const BEGIN = `
local state = redis.call('HGET', KEYS[1], 'status')
if state and state ~= 'sent' then
  redis.call('HSET', KEYS[1], 'status', 'sending', 'attempts', ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return state`;

const JSON_FIELDS = new Set(['tags', 'metadata', 'rejected', 'test']);

function flatten(fields: Record<string, unknown>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (value !== undefined)
      flat[field] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return flat;
}

/** A record's hash as GET shows it; undefined unless it is `owner`'s. */
export function statusOf(raw: Record<string, string>, owner: string): EmailStatus | undefined {
  if (raw.owner !== owner) return undefined;
  const record: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(raw)) {
    if (field === 'owner') continue;
    record[field] = JSON_FIELDS.has(field) ? JSON.parse(value) : value;
  }
  record.attempts = Number(raw.attempts ?? 0);
  return record as unknown as EmailStatus;
}

/**
 * Status records live in their own Redis hashes (not in Bull's job) so that they are kept
 * 7 days whatever Bull's retention, and so GET can check the owning API key.
 */
@Injectable()
export class EmailStatusStore {
  private readonly writeScript: LuaScript;
  private readonly beginScript: LuaScript;
  private readonly finishScript: LuaScript;
  private readonly changeScript: LuaScript;

  constructor(
    @InjectQueue(EMAIL_QUEUE) private readonly queue: Queue,
    @InjectQueue(WEBHOOK_QUEUE) private readonly events: Queue,
    private readonly stats: EmailStatsStore,
  ) {
    this.writeScript = defineScript(queue.client, 'writeEmailStatus', 1, WRITE);
    this.beginScript = defineScript(queue.client, 'beginEmailSend', 1, BEGIN);
    this.finishScript = defineScript(queue.client, 'finishEmail', 8, FINISH);
    this.changeScript = defineScript(queue.client, 'changeEmail', 5, CHANGE);
  }

  keyOf(id: string): string {
    return this.queue.toKey(`status:${id}`);
  }

  /** WRITE's arguments: the key, the TTL, then field, value, field, value… */
  private writeArgs(id: string, ttl: number, fields: Record<string, unknown>): string[] {
    return [this.keyOf(id), String(ttl), ...Object.entries(flatten(fields)).flat()];
  }

  /**
   * One record goes out with the client's auto-pipeline (with the other requests of this
   * event-loop turn, and before the job that the caller adds next); a batch in one MULTI.
   */
  async create(records: NewStatus[]): Promise<void> {
    const argsOf = ({ status, owner, delayMs }: NewStatus): string[] =>
      this.writeArgs(status.id, STATUS_TTL_SECONDS + Math.ceil(delayMs / 1000), {
        ...status,
        owner,
      });
    if (records.length === 1) return void (await this.writeScript.run(...argsOf(records[0])));
    const multi = this.queue.client.multi();
    for (const record of records) this.writeScript.addTo(multi, ...argsOf(record));
    await multi.exec();
  }

  /** A change that is not the end (a retry to come), with its event if anyone listens. */
  async update(id: string, update: StatusUpdate, event?: BullJobSpec): Promise<void> {
    const [key, ttl, ...fields] = this.writeArgs(id, STATUS_TTL_SECONDS, update);
    await this.changeScript.run(
      ...[key, ...bullJobKeys(this.events, event)],
      ...[ttl, ...bullJobArgs(event), ...fields],
    );
  }

  /**
   * The final write of an email (`sent` or `failed`): its status, the counts, its event and,
   * with `resting`, the job's data replaced by it, in one call.
   */
  async finish(
    id: string,
    update: StatusUpdate,
    outcome: Outcome,
    more: Finish = {},
  ): Promise<void> {
    const [key, ttl, ...fields] = this.writeArgs(id, STATUS_TTL_SECONDS, update);
    const { total, minute } = this.stats.keysFor(outcome);
    const data = more.resting ? JSON.stringify(more.resting) : '';
    await this.finishScript.run(
      ...[key, this.queue.toKey(id), total, minute, ...bullJobKeys(this.events, more.event)],
      ...[ttl, MINUTE_TTL_SECONDS, outcome, data, ...bullJobArgs(more.event), ...fields],
    );
  }

  async remove(ids: string[]): Promise<void> {
    await this.queue.client.del(...ids.map((id) => this.keyOf(id)));
  }

  async get(id: string, owner: string): Promise<EmailStatus | undefined> {
    return statusOf(await this.queue.client.hgetall(this.keyOf(id)), owner);
  }

  /**
   * The worker's start of an attempt, in one round trip: returns the state the record had,
   * and marks it `sending` unless it is missing or already `sent` (then nothing is sent).
   */
  async begin(id: string, attempt: number): Promise<EmailState | undefined> {
    const state = await this.beginScript.run<EmailState | null>(
      this.keyOf(id),
      attempt,
      STATUS_TTL_SECONDS,
    );
    return state ?? undefined;
  }
}
