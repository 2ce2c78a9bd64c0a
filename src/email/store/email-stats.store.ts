import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { emailsFailed, emailsSent, emailsSuppressed, sendDuration } from '../../common/metrics';
import { EMAIL_QUEUE } from './email.constants';

/** An email's final outcome; `suppressed` is counted in Redis too, not shown on the info page. */
export type Outcome = 'sent' | 'failed' | 'suppressed';

/** What a bounce or complaint report tells of an email after it was sent. */
export type ReportedOutcome = 'bounced' | 'complained';

/** Totals and the last hour per minute, shared by every worker through Redis. */
export interface EmailStats {
  sent: number;
  failed: number;
  /** Sent emails a bounce report came back for, and complaints: counted by the intake. */
  bounced: number;
  complained: number;
  /** Oldest first: one entry per minute of the last hour. */
  minutes: { at: string; sent: number; failed: number }[];
}

const MINUTE_MS = 60_000;
const HOUR_MINUTES = 60;
/** A minute's counts are kept two hours. */
export const MINUTE_TTL_SECONDS = 2 * HOUR_MINUTES * 60;

/** Where an outcome is counted: its total, and the current minute's hash (field = outcome). */
export interface StatsKeys {
  total: string;
  minute: string;
}

/**
 * Sent/failed (and bounced/complained) counts for the info page. Prometheus counters are per process; these are the
 * deployment's own, kept in Redis (two totals and one small hash per minute, kept 2 hours),
 * counted by the status store's final write, in the same script call.
 */
@Injectable()
export class EmailStatsStore {
  constructor(@InjectQueue(EMAIL_QUEUE) private readonly queue: Queue) {}

  keysFor(outcome: Outcome, now = Date.now()): StatsKeys {
    return { total: this.totalKey(outcome), minute: this.minuteKey(Math.floor(now / MINUTE_MS)) };
  }

  /** The total of what reports told after the send (bounce-report.store.ts counts them). */
  reportTotalKey(kind: ReportedOutcome): string {
    return this.queue.toKey(`stats:${kind}`);
  }

  private totalKey(outcome: Outcome): string {
    return this.queue.toKey(`stats:${outcome}`);
  }

  private minuteKey(minute: number): string {
    return this.queue.toKey(`stats:minute:${minute}`);
  }

  /** This process's Prometheus metrics of a final outcome. */
  observe(
    outcome: Outcome,
    detail: { seconds?: number; reason?: string; transport?: string } = {},
  ): void {
    if (outcome === 'sent') emailsSent.inc({ transport: detail.transport ?? 'unknown' });
    else if (outcome === 'suppressed') emailsSuppressed.inc();
    else emailsFailed.inc({ reason: detail.reason ?? 'unknown' });
    if (detail.seconds !== undefined) sendDuration.observe(detail.seconds);
  }

  async read(now = Date.now()): Promise<EmailStats> {
    const current = Math.floor(now / MINUTE_MS);
    const minutes = Array.from({ length: HOUR_MINUTES }, (_, i) => current - HOUR_MINUTES + 1 + i);
    const pipeline = this.queue.client
      .pipeline()
      .mget(
        this.totalKey('sent'),
        this.totalKey('failed'),
        this.reportTotalKey('bounced'),
        this.reportTotalKey('complained'),
      );
    for (const minute of minutes) pipeline.hmget(this.minuteKey(minute), 'sent', 'failed');
    const results = (await pipeline.exec()) ?? [];
    const [sent, failed, bounced, complained] =
      (results[0]?.[1] as (string | null)[] | undefined) ?? [];
    return {
      sent: Number(sent ?? 0),
      failed: Number(failed ?? 0),
      bounced: Number(bounced ?? 0),
      complained: Number(complained ?? 0),
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
