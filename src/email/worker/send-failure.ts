import { failureText } from './transports/failure-stage';
import { TransportsFailed } from './transports/failover.sender';

/** What the worker needs to know of a failed send: retry it or not, and what to record. */
export interface SendFailure {
  permanent: boolean;
  reason: string;
  /** emails_failed_total's reason when the failure is final. */
  metric: 'invalid_job' | 'rejected' | 'retries_exhausted';
}

/** Job data the API could not have built (edited in Redis): failed at once, nothing sent. */
export class InvalidJobError extends Error {
  constructor(problem: string) {
    super(`job data refused: ${problem}`);
  }
}

/** The error behind a send's failure: the last transport's when all failed. */
export const lastFailure = (error: unknown): unknown =>
  error instanceof TransportsFailed ? error.last : error;

/**
 * An InvalidJobError is permanent, and so are SMTP 5xx replies (including "all recipients
 * refused"): the same message would be refused again. 4xx replies, timeouts and connection
 * errors are transient and retried.
 */
export function classifyFailure(error: unknown): SendFailure {
  if (error instanceof InvalidJobError)
    return { permanent: true, reason: error.message, metric: 'invalid_job' };
  const last = lastFailure(error);
  const code = (last as { responseCode?: unknown } | null)?.responseCode;
  // A 5xx to AUTH is the relay's fault, not the message's: its failover was tried already.
  const unreached = error instanceof TransportsFailed && error.stage === 'unreached';
  const permanent = typeof code === 'number' && code >= 500 && !unreached;
  const metric = permanent ? 'rejected' : 'retries_exhausted';
  return { permanent, reason: failureText(last), metric };
}
