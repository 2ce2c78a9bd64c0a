import { ConfigService } from '@nestjs/config';
import type { QueueOptions } from 'bull';
import { EnvironmentVariables } from '../../config/env.validation';
import { BACKOFF_STRATEGY, MAX_STALLS } from './email.constants';

/**
 * Exponential backoff with "equal jitter" and a cap: attempt n waits between half and all of
 * min(cap, base * 2^(n-1)), so retries after an outage do not hit the server in lockstep.
 */
export function retryDelay(
  attemptsMade: number,
  baseMs: number,
  capMs: number,
  random = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

const DAY_SECONDS = 24 * 3600;

type Config = ConfigService<EnvironmentVariables, true>;

/** Locks and stalls of a queue the worker consumes (the emails' and the webhooks'). */
export function workerSettings(config: Config): NonNullable<QueueOptions['settings']> {
  const lock = config.get('JOB_LOCK_MS', { infer: true });
  return {
    // A killed worker's job is taken up again once its lock expires (at most ~2 × lock).
    lockDuration: lock,
    stalledInterval: lock,
    // A job that takes its worker down again and again is failed, not retried forever.
    maxStalledCount: MAX_STALLS,
    // After a Redis outage, resume processing and delayed retries within a second
    // (Bull's defaults wait 5 s); each costs one cheap Redis call per interval.
    retryProcessDelay: 1000,
    guardInterval: 1000,
  };
}

/** The email queue's settings, from config: locks, stalls, retries and what Redis keeps. */
export function queueOptions(config: Config): QueueOptions {
  const base = config.get('SEND_BACKOFF_MS', { infer: true });
  const cap = config.get('SEND_BACKOFF_MAX_MS', { infer: true });
  return {
    settings: {
      ...workerSettings(config),
      backoffStrategies: {
        [BACKOFF_STRATEGY]: (attemptsMade: number) => retryDelay(attemptsMade, base, cap),
      },
    },
    defaultJobOptions: {
      attempts: config.get('SEND_ATTEMPTS', { infer: true }),
      backoff: { type: BACKOFF_STRATEGY },
      // Bull's copies are for Bull Board; the 7-day status record is the source of truth.
      removeOnComplete: { age: DAY_SECONDS, count: 10_000 },
      // Failed jobs keep their bodies for a retry: bounded in number too, not only in age.
      removeOnFail: {
        age: 14 * DAY_SECONDS,
        count: config.get('FAILED_JOBS_KEPT', { infer: true }),
      },
    },
  };
}
