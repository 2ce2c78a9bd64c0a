import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Logger } from 'nestjs-pino';
import type { Server } from 'node:http';
import { withTimeout } from './common/timeout';
import { EmailProcessor } from './email/worker/email.processor';
import { WebhookDispatcher } from './email/worker/webhooks/webhook.dispatcher';
import { WebhookProcessor } from './email/worker/webhooks/webhook.processor';
import { EnvironmentVariables } from './config/env.validation';

const CLOSE_TIMEOUT_MS = 5000;

/** The sends and the webhook POSTs in flight, side by side, within the same grace. */
async function drainWorker(app: INestApplication, graceMs: number): Promise<boolean> {
  const drained = await Promise.all([
    app.get(EmailProcessor).drain(graceMs),
    app.get(WebhookProcessor).drain(graceMs),
    app.get(WebhookDispatcher).drain(graceMs),
  ]);
  return drained.every(Boolean);
}

/**
 * SIGTERM/SIGINT: stop accepting HTTP requests, stop taking jobs, let the sends in flight
 * finish within SHUTDOWN_GRACE_MS, then close Redis and SMTP (Nest's hooks) and exit 0.
 * Nest's own enableShutdownHooks() is not used: it re-raises the signal (exit 143) and
 * closes the SMTP pool before the queue has drained.
 */
export function exitGracefullyOn(
  app: INestApplication,
  signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const logger = app.get(Logger);
    const config = app.get(ConfigService<EnvironmentVariables, true>);
    const graceMs = config.get('SHUTDOWN_GRACE_MS', { infer: true });
    logger.log(
      `${signal}: shutting down, waiting up to ${graceMs} ms for sends in flight`,
      'Shutdown',
    );
    const server = app.getHttpServer() as Server;
    if (server.listening) server.close();
    const { worker } = config.get('plan', { infer: true });
    const drained = !worker || (await drainWorker(app, graceMs));
    if (!drained)
      logger.warn(
        'grace period over: unfinished sends will be retried by another worker',
        'Shutdown',
      );
    // Closing waits on Redis and SMTP; when those are gone it must not keep the process alive.
    const closed = await withTimeout(
      app.close().then(() => true),
      CLOSE_TIMEOUT_MS,
      () => false,
    );
    logger.log(
      closed ? 'stopped' : `stopped without a clean close after ${CLOSE_TIMEOUT_MS} ms`,
      'Shutdown',
    );
    process.exit(0);
  };
  for (const signal of signals) process.on(signal, (received) => void stop(received));
}
