/** What the worker needs to know of a failed send: retry it or not, and what to record. */
export interface SendFailure {
  permanent: boolean;
  reason: string;
  /** emails_failed_total's reason when the failure is final. */
  metric: 'invalid_job' | 'rejected' | 'retries_exhausted';
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

/** Job data the API could not have built (edited in Redis): failed at once, nothing sent. */
export class InvalidJobError extends Error {
  constructor(problem: string) {
    super(`job data refused: ${problem}`);
  }
}

/**
 * An InvalidJobError is permanent, and so are SMTP 5xx replies (including "all recipients
 * refused"): the same message would be refused again. 4xx replies, timeouts and connection
 * errors are transient and retried.
 */
export function classifyFailure(error: unknown): SendFailure {
  if (error instanceof InvalidJobError)
    return { permanent: true, reason: error.message, metric: 'invalid_job' };
  const smtp = error as SmtpError;
  const code = typeof smtp.responseCode === 'number' ? smtp.responseCode : undefined;
  const text = (smtp.response ?? smtp.message ?? String(error)).replace(/\s+/g, ' ').trim();
  const reason = code && !text.startsWith(String(code)) ? `${code} ${text}` : text;
  const permanent = code !== undefined && code >= 500;
  const metric = permanent ? 'rejected' : 'retries_exhausted';
  return { permanent, reason: reason.slice(0, 500), metric };
}
