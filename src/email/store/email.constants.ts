export const EMAIL_QUEUE = 'email';
export const SEND_EMAIL_JOB = 'send';
/** Delivery events (webhooks): a queue of their own, so a slow endpoint never slows sending. */
export const WEBHOOK_QUEUE = 'webhook';
export const DELIVER_WEBHOOK_JOB = 'deliver';
export const BACKOFF_STRATEGY = 'jittered-exponential';
/** Times a job may lose its worker mid-send before Bull fails it. */
export const MAX_STALLS = 3;

/** Status records outlive Bull's own job retention (SPEC §3: kept 7 days). */
export const STATUS_TTL_SECONDS = 7 * 24 * 3600;
