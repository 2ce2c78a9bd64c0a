import { Counter, Gauge, Histogram, collectDefaultMetrics, register } from 'prom-client';

/**
 * Prometheus metrics of this process, in prom-client's default registry (which /metrics
 * serves). Module-level singletons: one set per process, however many Nest apps it boots.
 */
collectDefaultMetrics();

export const emailsSent = new Counter({
  name: 'emails_sent_total',
  help: 'Emails accepted by the SMTP server (or written to the outbox)',
});

export const emailsFailed = new Counter({
  name: 'emails_failed_total',
  help: 'Send attempts that failed, by reason class',
  labelNames: ['reason'] as const,
});

export const sendDuration = new Histogram({
  name: 'email_send_duration_seconds',
  help: 'Time from picking a job to the SMTP server accepting it',
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});

export const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});

export { register as metricsRegistry };

type QueueCounts = () => Promise<Record<string, number>>;
let countQueue: QueueCounts | undefined;

/** Jobs by state, read from Bull when Prometheus scrapes (not kept up to date in between). */
new Gauge({
  name: 'email_queue_jobs',
  help: 'Jobs in the email queue by state',
  labelNames: ['state'] as const,
  async collect(): Promise<void> {
    const counts = await countQueue?.().catch(() => undefined);
    for (const [state, count] of Object.entries(counts ?? {})) this.set({ state }, count);
  },
});

/** Where the queue gauge reads its counts; set by the app that serves /metrics. */
export const countQueueJobsWith = (source: QueueCounts): void => {
  countQueue = source;
};
