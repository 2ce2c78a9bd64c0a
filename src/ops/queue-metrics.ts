import { InjectQueue } from '@nestjs/bull';
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Queue } from 'bull';
import { Gauge, collectDefaultMetrics } from 'prom-client';
import { metricsRegistry } from '../common/metrics';
import { EnvironmentVariables } from '../config/env.validation';
import { EMAIL_QUEUE } from '../email/store/email.constants';

const QUEUE_GAUGE = 'email_queue_jobs';

/**
 * Registers the process metrics (once per process) and a gauge of the queue's jobs by state,
 * read from Bull when Prometheus scrapes; the gauge goes when its app stops.
 */
@Injectable()
export class QueueMetrics implements OnModuleInit, OnModuleDestroy {
  private gauge?: Gauge;

  constructor(
    @InjectQueue(EMAIL_QUEUE) private readonly queue: Queue,
    private readonly config: ConfigService<EnvironmentVariables, true>,
  ) {}

  onModuleInit(): void {
    if (!metricsRegistry.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();
    metricsRegistry.removeSingleMetric(QUEUE_GAUGE);
    // One process reads the counts for all (each scrape costs a Redis round trip).
    if (!this.config.get('plan', { infer: true }).reportsShared) return;
    const queue = this.queue;
    this.gauge = new Gauge({
      name: QUEUE_GAUGE,
      help: 'Jobs in the email queue by state',
      labelNames: ['state'] as const,
      // Every process of a deployment reads the same queue: aggregated across the supervisor's
      // processes, the counts are not to be added up.
      aggregator: 'max',
      async collect(): Promise<void> {
        const counts = await queue.getJobCounts().catch(() => undefined);
        for (const [state, count] of Object.entries(counts ?? {}))
          this.set({ state }, Number(count));
      },
    });
  }

  onModuleDestroy(): void {
    if (metricsRegistry.getSingleMetric(QUEUE_GAUGE) === this.gauge)
      metricsRegistry.removeSingleMetric(QUEUE_GAUGE);
  }
}
