import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { JobCounts, Queue } from 'bull';
import { EmailQueueConnection } from '../../email/store/email-queue.connection';
import { EmailStats, EmailStatsStore } from '../../email/store/email-stats.store';
import { EMAIL_QUEUE } from '../../email/store/email.constants';
import { EnvironmentVariables } from '../../config/env.validation';
import { PACKAGE } from '../../common/paths';
import { readTransportStates } from '../../email/worker/transports/transport.state';

/** A named transport as the public page shows it: its name and state, never its host. */
export interface TransportView {
  name: string;
  state: 'working' | 'failing' | 'not used yet';
}

/** What the info page shows; /info.json serves the same for its live refresh. */
export interface InfoSnapshot {
  name: string;
  version: string;
  uptime_seconds: number;
  redis: 'up' | 'down';
  queue: Omit<JobCounts, 'paused'> | null;
  totals: Pick<EmailStats, 'sent' | 'failed' | 'bounced' | 'complained'> | null;
  minutes: EmailStats['minutes'];
  transport: string;
  transports: TransportView[];
  board: boolean;
}

const EMPTY_COUNTS = { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };

@Injectable()
export class InfoService {
  readonly transport: string;
  readonly transportNames: string[];
  readonly board: boolean;

  constructor(
    @InjectQueue(EMAIL_QUEUE) private readonly queue: Queue,
    private readonly stats: EmailStatsStore,
    private readonly connection: EmailQueueConnection,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    // The kind only: a public page names no host, port or path an attacker could aim at.
    this.transportNames = config.get('transports', { infer: true }).map(({ name }) => name);
    this.transport = this.transportNames.length > 0 ? 'SMTP' : 'outbox';
    this.board = !!(
      config.get('BOARD_USER', { infer: true }) && config.get('BOARD_PASSWORD', { infer: true })
    );
  }

  async snapshot(): Promise<InfoSnapshot> {
    // The API's own rule for Redis: wait for a (re)connecting client within REDIS_TIMEOUT_MS.
    const [counts, stats, states] = await this.connection
      .run(() =>
        Promise.all([
          this.queue.getJobCounts(),
          this.stats.read(),
          readTransportStates(this.queue, this.transportNames),
        ]),
      )
      .catch(() => [null, null, {}] as const);
    const { waiting, active, delayed, completed, failed } = counts ?? EMPTY_COUNTS;
    return {
      name: PACKAGE.name,
      version: PACKAGE.version,
      uptime_seconds: Math.round(process.uptime()),
      redis: counts ? 'up' : 'down',
      queue: counts ? { waiting, active, delayed, completed, failed } : null,
      totals: stats
        ? {
            sent: stats.sent,
            failed: stats.failed,
            bounced: stats.bounced,
            complained: stats.complained,
          }
        : null,
      minutes: stats?.minutes ?? [],
      transport: this.transport,
      transports: this.transportNames.map((name) => {
        const ok = (states as Record<string, { ok: boolean } | undefined>)[name]?.ok;
        return { name, state: ok === undefined ? 'not used yet' : ok ? 'working' : 'failing' };
      }),
      board: this.board,
    };
  }
}
