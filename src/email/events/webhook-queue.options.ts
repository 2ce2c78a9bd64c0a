import { ConfigService } from '@nestjs/config';
import type { JobOptions, QueueOptions } from 'bull';
import { EnvironmentVariables } from '../../config/env.validation';
import { workerSettings } from '../store/email-queue.options';

type Config = ConfigService<EnvironmentVariables, true>;

export const WEBHOOK_BACKOFF = 'webhook-backoff';
/** The longest wait between two tries of one event. */
export const WEBHOOK_BACKOFF_CAP_MS = 4 * 3600_000;
const DAY_SECONDS = 24 * 3600;

/**
 * Try n waits min(cap, base * 2^(n-1)) plus up to a quarter more: jitter that only adds, so
 * the schedule's total is never shorter than documented. Defaults (12 tries, 60 s): 1, 2, 4 …
 * 128 min, then 4 h three times: about 16 h from the first try to the last.
 */
export function webhookDelay(attemptsMade: number, baseMs: number, random = Math.random): number {
  const nominal = Math.min(WEBHOOK_BACKOFF_CAP_MS, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(nominal * (1 + random() / 4));
}

export function webhookQueueOptions(config: Config): QueueOptions {
  const base = config.get('WEBHOOK_BACKOFF_MS', { infer: true });
  return {
    settings: {
      // As the email queue's: a POST whose worker died is taken up again once its lock expires.
      ...workerSettings(config),
      backoffStrategies: {
        [WEBHOOK_BACKOFF]: (attemptsMade: number) => webhookDelay(attemptsMade, base),
      },
    },
  };
}

/**
 * Every event job's options. They travel as JSON inside the script that adds the job with the
 * status write, so Bull's defaultJobOptions (applied only by queue.add) would not reach them.
 */
export function webhookJobOptions(config: Config): JobOptions {
  return {
    attempts: config.get('WEBHOOK_ATTEMPTS', { infer: true }),
    backoff: { type: WEBHOOK_BACKOFF },
    // A delivered event is done with: its POST was answered 2xx (the log has a debug line).
    removeOnComplete: true,
    // An event that ran out of tries stays on the board, to be retried from there.
    removeOnFail: { age: 14 * DAY_SECONDS, count: 10_000 },
  };
}
