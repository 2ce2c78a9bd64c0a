import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import {
  ADD_BULL_JOB_LUA,
  BullJobSpec,
  bullJobArgs,
  bullJobKeys,
} from '../../redis/bull-internals';
import { LuaScript, defineScript } from '../../redis/lua-script';
import { BounceKind } from '../bounces/bounce.types';
import { EmailStatsStore } from '../store/email-stats.store';
import { EmailStatusStore, SentSummary, StatusUpdate } from '../store/email-status.store';
import { EMAIL_QUEUE, WEBHOOK_QUEUE } from '../store/email.constants';
import { EmailJobData } from '../store/email.types';
import { Suppression, SuppressionStore } from '../suppressions/suppression.store';

/** What one report does to one email, written at once (BounceReportStore.apply). */
export interface ReportEffect {
  kind: BounceKind;
  /** The record's fields to set (a bounce: `bounced` and what bounced). */
  update: StatusUpdate;
  /** New entries of the owner's suppression list (an address already listed keeps its entry). */
  suppress: Suppression[];
  event?: BullJobSpec;
}

export type Applied = 'all' | 'suppressions' | 'nothing';
const APPLIED: Record<number, Applied> = { 0: 'nothing', 1: 'all', 2: 'suppressions' };

/** The record field that marks a kind of report as applied; a bounce is marked by its status. */
const MARKER: Record<BounceKind, string> = {
  bounce: '',
  complaint: 'complained',
  delayed: 'delay_reported',
};

// One report's effect on one email, all or nothing. Only a sent email can bounce, once (a
// bounced one is no longer sent): a later bounce of another of its recipients only adds that
// one to the list (2). A complaint or a delay counts once per email (its marker), so a
// repeated report changes nothing and emits no second event. KEYS: status, suppression
// entries and index, the kind's total, the event's five; ARGV: kind, marker, now, the
// event's six, n, n × (address, entry), the record's fields.
const APPLY = `${ADD_BULL_JOB_LUA}
local function suppress(n)
  for i = 0, n - 1 do
    local address = ARGV[11 + 2 * i]
    if not redis.call('HGET', KEYS[2], address) then
      redis.call('HSET', KEYS[2], address, ARGV[12 + 2 * i])
      redis.call('ZADD', KEYS[3], 0, address)
    end
  end
end
local n = tonumber(ARGV[10])
local state = redis.call('HGET', KEYS[1], 'status')
if ARGV[1] == 'bounce' then
  if state == 'bounced' then suppress(n) return 2 end
  if state ~= 'sent' then return 0 end
elseif state ~= 'sent' and state ~= 'bounced' then return 0 end
if ARGV[2] ~= '' and redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3]) == 0 then return 0 end
suppress(n)
if #ARGV >= 11 + 2 * n then redis.call('HSET', KEYS[1], unpack(ARGV, 11 + 2 * n)) end
if ARGV[1] ~= 'delayed' then redis.call('INCR', KEYS[4]) end
addBullJob(KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], unpack(ARGV, 4, 9))
return 1`;

/**
 * The writes of a bounce or complaint report: the email's record, the owner's suppression
 * list, the deployment's count and the event, in one script call, as the worker's FINISH
 * writes an outcome with its event.
 */
@Injectable()
export class BounceReportStore {
  private readonly applyScript: LuaScript;

  constructor(
    @InjectQueue(EMAIL_QUEUE) private readonly emailQueue: Queue<EmailJobData>,
    @InjectQueue(WEBHOOK_QUEUE) private readonly webhookQueue: Queue,
    private readonly statuses: EmailStatusStore,
    private readonly suppressions: SuppressionStore,
    private readonly stats: EmailStatsStore,
  ) {
    this.applyScript = defineScript(webhookQueue.client, 'applyBounceReport', 9, APPLY);
  }

  /** The record as stored (hidden fields included); empty when there is none. */
  read(id: string): Promise<Record<string, string>> {
    return this.webhookQueue.client.hgetall(this.statuses.keyOf(id));
  }

  /**
   * Who the email went to and what about: from its record, else (an email sent before records
   * kept it) from Bull's job while Bull keeps it, which is a day.
   */
  async summaryOf(id: string, record: Record<string, string>): Promise<SentSummary | undefined> {
    if (record.summary) return JSON.parse(record.summary) as SentSummary;
    const data = (await this.emailQueue.getJob(id))?.data;
    if (typeof data?.from?.address !== 'string' || !Array.isArray(data.to)) return undefined;
    const { from, to, cc, bcc, subject } = data;
    return { from, to, cc, bcc, subject };
  }

  /**
   * What was written: all of it, only the suppressions (a bounce of an email that bounced
   * already), or nothing (the email's state or a marker refused it).
   */
  async apply(id: string, owner: string, effect: ReportEffect): Promise<Applied> {
    const [key, , ...fields] = this.statuses.writeArgs(id, 0, effect.update);
    const total = this.stats.reportTotalKey(effect.kind === 'bounce' ? 'bounced' : 'complained');
    const entries = effect.suppress.flatMap((entry) => [entry.address, JSON.stringify(entry)]);
    const applied = await this.applyScript.run<number>(
      ...[key, ...this.suppressions.keysOf(owner), total],
      ...bullJobKeys(this.webhookQueue, effect.event),
      ...[effect.kind, MARKER[effect.kind], new Date().toISOString()],
      ...bullJobArgs(effect.event),
      ...[effect.suppress.length, ...entries, ...fields],
    );
    return APPLIED[applied] ?? 'nothing';
  }
}
