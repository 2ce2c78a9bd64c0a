import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { LuaScript, defineScript } from '../../redis/lua-script';
import { EMAIL_QUEUE, STATUS_TTL_SECONDS } from './email.constants';
import { EmailJobData, EmailStatus } from './email.types';

/** Who a sent email went to and what about: what a bounce that comes days later is told by. */
export type SentSummary = Pick<EmailJobData, 'from' | 'to' | 'cc' | 'bcc' | 'subject'>;

/** Fields a worker (or a bounce report) may change after the record is created. */
export type StatusUpdate = Partial<
  Pick<
    EmailStatus,
    'status' | 'attempts' | 'sent_at' | 'error' | 'rejected' | 'suppressed' | 'bounce' | 'transport'
  > & { summary: SentSummary; transport_errors?: { transport: string; error: string }[] }
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

const JSON_FIELDS = new Set([
  ...['tags', 'metadata', 'rejected', 'suppressed', 'test', 'bounce', 'transport_errors'],
]);
/** The record's own fields, never shown: whose it is, the sent summary, reports seen. */
export const HIDDEN_FIELDS = new Set(['owner', 'summary', 'complained', 'delay_reported']);

export function flatten(fields: Record<string, unknown>): Record<string, string> {
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
    if (HIDDEN_FIELDS.has(field)) continue;
    record[field] = JSON_FIELDS.has(field) ? JSON.parse(value) : value;
  }
  record.attempts = Number(raw.attempts ?? 0);
  return record as unknown as EmailStatus;
}

/**
 * Status records live in their own Redis hashes (not in Bull's job) so that they are kept
 * 7 days whatever Bull's retention, and so GET can check the owning API key. This is the API's
 * side: create, read, remove; the worker's writes are EmailOutcomeStore's.
 */
@Injectable()
export class EmailStatusStore {
  private readonly writeScript: LuaScript;

  constructor(@InjectQueue(EMAIL_QUEUE) private readonly queue: Queue) {
    this.writeScript = defineScript(queue.client, 'writeEmailStatus', 1, WRITE);
  }

  keyOf(id: string): string {
    return this.queue.toKey(`status:${id}`);
  }

  /** WRITE's arguments: the key, the TTL, then field, value, field, value… */
  writeArgs(id: string, ttl: number, fields: Record<string, unknown>): string[] {
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

  async remove(ids: string[]): Promise<void> {
    await this.queue.client.del(...ids.map((id) => this.keyOf(id)));
  }

  async get(id: string, owner: string): Promise<EmailStatus | undefined> {
    return statusOf(await this.queue.client.hgetall(this.keyOf(id)), owner);
  }
}
