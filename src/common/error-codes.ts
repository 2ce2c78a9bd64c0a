interface ErrorCodeInfo {
  status: number;
  /** The one sentence saying when; the Swagger document and the README's table both use it. */
  when: string;
  /** The code an error of this status gets when it names none (HttpException, body parser). */
  fallback?: true;
}

/**
 * Every `code` an error body can carry: SPEC §3's, the board's `forbidden` and two fallbacks.
 * README.md's "Responses and errors" table lists exactly these (error-codes.spec.ts checks it).
 */
export const ERROR_CODES = {
  validation_failed: {
    status: 400,
    fallback: true,
    when: 'a bad field; `errors: [{field, message}]` names each one',
  },
  unauthorized: { status: 401, fallback: true, when: 'no key or an unknown key' },
  sender_not_allowed: { status: 403, when: "`email_from` outside the key's `allowed_from`" },
  forbidden: {
    status: 403,
    fallback: true,
    when: 'on `/queues`: anything but inspecting, retrying or promoting jobs',
  },
  not_found: {
    status: 404,
    fallback: true,
    when: 'unknown id or suppressed address, or one of another key',
  },
  method_not_allowed: {
    status: 405,
    fallback: true,
    when: 'a 405 without a more precise code (no route answers one today)',
  },
  idempotency_conflict: {
    status: 409,
    when: '`Idempotency-Key` reused with another body, or still in progress',
  },
  invalid_state: {
    status: 409,
    when: 'cancel or reschedule of an email that is no longer `scheduled`',
  },
  conflict: {
    status: 409,
    fallback: true,
    when: 'a 409 without a more precise code (no route answers one today)',
  },
  payload_too_large: {
    status: 413,
    fallback: true,
    when: 'body over `MAX_BODY`, or a `POST /bounces` report over 1 MiB (only read once the key is valid: a keyless request is a 401)',
  },
  unsupported_media_type: {
    status: 415,
    fallback: true,
    when: 'body that is not `application/json` (`message/rfc822` for `POST /bounces`)',
  },
  rate_limited: {
    status: 429,
    fallback: true,
    when: "over the key's emails per minute; see `Retry-After` and `RateLimit-*`",
  },
  internal_error: { status: 500, when: 'a bug: please report it' },
  queue_unavailable: {
    status: 503,
    fallback: true,
    when: "Redis unreachable or hung: answered within `REDIS_TIMEOUT_MS` (2 s) of the request's first Redis call, nothing accepted",
  },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Each code by name, so that a code written where an error is raised is checked by the compiler. */
export const CODE = Object.fromEntries(Object.keys(ERROR_CODES).map((code) => [code, code])) as {
  readonly [K in ErrorCode]: K;
};

const FALLBACK = new Map<number, ErrorCode>(
  (Object.entries(ERROR_CODES) as [ErrorCode, ErrorCodeInfo][])
    .filter(([, info]) => info.fallback)
    .map(([code, info]) => [info.status, code]),
);

/** The code for an error of `status` that names none; undefined when the status has none. */
export const fallbackCode = (status: number): ErrorCode | undefined => FALLBACK.get(status);
