export const EMAIL_QUEUE = 'email';
export const SEND_EMAIL_JOB = 'send';
export const BACKOFF_STRATEGY = 'jittered-exponential';
/** Times a job may lose its worker mid-send before Bull fails it. */
export const MAX_STALLS = 3;

/** Status records outlive Bull's own job retention (SPEC §3: kept 7 days). */
export const STATUS_TTL_SECONDS = 7 * 24 * 3600;
