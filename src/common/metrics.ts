import { Counter, Histogram, register } from 'prom-client';

/**
 * The service's own Prometheus metrics, in prom-client's default registry (which /metrics
 * serves): one set per process, however many Nest apps it boots. What depends on a running
 * app (default process metrics, the queue gauge) is registered by ops/queue-metrics.ts.
 */
export const emailsSent = new Counter({
  name: 'emails_sent_total',
  help: 'Emails accepted by the SMTP server (or written to the outbox), by transport',
  labelNames: ['transport'] as const,
});

export const emailsFailed = new Counter({
  name: 'emails_failed_total',
  help: 'Send attempts that failed, by reason class',
  labelNames: ['reason'] as const,
});

export const emailsSuppressed = new Counter({
  name: 'emails_suppressed_total',
  help: 'Emails not sent because every recipient is on the key’s suppression list',
});

export const emailsBounced = new Counter({
  name: 'emails_bounced_total',
  help: 'Sent emails that a bounce report (DSN) came back for',
});

export const emailsComplained = new Counter({
  name: 'emails_complained_total',
  help: 'Complaints (feedback reports) about sent emails',
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

export const webhookDeliveries = new Counter({
  name: 'webhook_deliveries_total',
  help: 'Webhook POSTs by result: delivered, retried (a failed try, another to come), exhausted (out of tries), dropped (no endpoint any more)',
  labelNames: ['result'] as const,
});

export const transportFailovers = new Counter({
  name: 'email_transport_failovers_total',
  help: 'Sends moved on to the next transport of a key’s list, by the transport that failed',
  labelNames: ['from'] as const,
});
