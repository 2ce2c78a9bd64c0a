import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { emailsFailed, emailsSent, sendDuration } from '../../common/metrics';
import { LuaScript, defineScript } from '../../redis/lua-script';
import { EMAIL_QUEUE } from './email.constants';

export type Outcome = 'sent' | 'failed';

/** Totals and the last hour per minute, shared by every worker through Redis. */
export interface EmailStats {
  sent: number;
  failed: number;
  /** Oldest first: one entry per minute of the last hour. */
  minutes: { at: string; sent: number; failed: number }[];
}

const MINUTE_MS = 60_000;
const HOUR_MINUTES = 60;

// One script call rather than a MULTI: it joins the client's auto-pipeline (with the status
// update the worker issues at the same moment).
const COUNT = `
redis.call('INCR', KEYS[1])
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('EXPIRE', KEYS[2], ARGV[2])`;

/**
 * Sent/failed counts for the info page. Prometheus counters are per process; these are the
 * deployment's own, kept in Redis (two totals and one small hash per minute, kept 2 hours).
 */
@Injectable()
export class EmailStatsStore {
  private readonly countScript: LuaScript;

  constructor(@InjectQueue(EMAIL_QUEUE) private readonly queue: Queue) {
    this.countScript = defineScript(queue.client, 'countEmail', 2, COUNT);
  }

  /**
   * Counts a final outcome: the Prometheus metrics of this process, and the shared Redis
   * totals. Never throws: a mail that was sent stays sent if Redis blinks now.
   */
  async record(
    outcome: Outcome,
    detail: { seconds?: number; reason?: string } = {},
  ): Promise<void> {
    if (outcome === 'sent') emailsSent.inc();
    else emailsFailed.inc({ reason: detail.reason ?? 'unknown' });
    if (detail.seconds !== undefined) sendDuration.observe(detail.seconds);
    await this.increment(outcome).catch(() => undefined);
  }

  private async increment(outcome: Outcome, now = Date.now()): Promise<void> {
    await this.countScript.run(
      this.queue.toKey(`stats:${outcome}`),
      this.queue.toKey(`stats:minute:${Math.floor(now / MINUTE_MS)}`),
      outcome,
      2 * HOUR_MINUTES * 60,
    );
  }

  async read(now = Date.now()): Promise<EmailStats> {
    const current = Math.floor(now / MINUTE_MS);
    const minutes = Array.from({ length: HOUR_MINUTES }, (_, i) => current - HOUR_MINUTES + 1 + i);
    const pipeline = this.queue.client
      .pipeline()
      .mget(this.queue.toKey('stats:sent'), this.queue.toKey('stats:failed'));
    for (const minute of minutes)
      pipeline.hmget(this.queue.toKey(`stats:minute:${minute}`), 'sent', 'failed');
    const results = (await pipeline.exec()) ?? [];
    const [sent, failed] = (results[0]?.[1] as (string | null)[] | undefined) ?? [];
    return {
      sent: Number(sent ?? 0),
      failed: Number(failed ?? 0),
      minutes: minutes.map((minute, i) => {
        const [s, f] = (results[i + 1]?.[1] as (string | null)[] | undefined) ?? [];
        return {
          at: new Date(minute * MINUTE_MS).toISOString(),
          sent: Number(s ?? 0),
          failed: Number(f ?? 0),
        };
      }),
    };
  }
}
