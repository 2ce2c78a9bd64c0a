export const EMAIL_QUEUE = 'email';
export const SEND_EMAIL_JOB = 'send';

/** Status records outlive Bull's own job retention (SPEC §3: kept 7 days). */
export const STATUS_TTL_SECONDS = 7 * 24 * 3600;
