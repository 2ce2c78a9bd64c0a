import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import type Redis from 'ioredis';
import { EMAIL_QUEUE, STATUS_TTL_SECONDS } from './email.constants';
import { EmailState, EmailStatus } from './email.types';

/** Fields a worker may change after the record is created. */
export type StatusUpdate = Partial<
  Pick<EmailStatus, 'status' | 'attempts' | 'sent_at' | 'error' | 'rejected'>
>;

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

type Writing = {
  writeEmailStatus(key: string, ttl: number, ...fields: string[]): Promise<unknown>;
};

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

/**
 * Status records live in their own Redis hashes (not in Bull's job) so that they are kept
 * 7 days whatever Bull's retention, and so GET can check the owning API key.
 */
@Injectable()
export class EmailStatusStore {
  constructor(@InjectQueue(EMAIL_QUEUE) private readonly queue: Queue) {
    queue.client.defineCommand('writeEmailStatus', { numberOfKeys: 1, lua: WRITE });
  }

  private keyOf(id: string): string {
    return this.queue.toKey(`status:${id}`);
  }

  private write(
    target: Writing,
    id: string,
    ttl: number,
    fields: Record<string, unknown>,
  ): Promise<unknown> {
    return target.writeEmailStatus(this.keyOf(id), ttl, ...Object.entries(flatten(fields)).flat());
  }

  /**
   * One record goes out with the client's auto-pipeline (with the other requests of this
   * event-loop turn, and before the job that the caller adds next); a batch in one MULTI.
   */
  async create(records: NewStatus[]): Promise<void> {
    const single = records.length === 1;
    const target = (single ? this.queue.client : this.queue.client.multi()) as unknown as Writing;
    const written = records.map(({ status, owner, delayMs }) =>
      this.write(target, status.id, STATUS_TTL_SECONDS + Math.ceil(delayMs / 1000), {
        ...status,
        owner,
      }),
    );
    await (single ? written[0] : (target as unknown as ReturnType<Redis['multi']>).exec());
  }

  async update(id: string, update: StatusUpdate): Promise<void> {
    await this.write(this.queue.client as unknown as Writing, id, STATUS_TTL_SECONDS, update);
  }

  async remove(ids: string[]): Promise<void> {
    await this.queue.client.del(...ids.map((id) => this.keyOf(id)));
  }

  async get(id: string, owner: string): Promise<EmailStatus | undefined> {
    const raw = await this.queue.client.hgetall(this.keyOf(id));
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
   * The worker's start of an attempt, in one round trip: returns the state the record had,
   * and marks it `sending` unless it is missing or already `sent` (then nothing is sent).
   */
  async begin(id: string, attempt: number): Promise<EmailState | undefined> {
    const key = this.keyOf(id);
    const state = (await this.queue.client.eval(
      BEGIN,
      1,
      key,
      attempt,
      STATUS_TTL_SECONDS,
    )) as EmailState | null;
    return state ?? undefined;
  }
}
