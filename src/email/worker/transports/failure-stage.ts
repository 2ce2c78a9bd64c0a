/**
 * Where a send failed, by what nodemailer's SMTP client put on its error (`code`, the
 * `command` in flight, the server's `responseCode`) and whether a byte of the message had
 * gone out (`messageStarted`, see MessageWatch: nodemailer writes it only after the 354):
 *
 * - `unreached`: the server holds none of the message and the fault may be this relay's (no
 *   connection, a reset or timeout before the message, a 4xx before it, a refused greeting,
 *   EHLO, TLS, AUTH or sender): another transport may take it at once;
 * - `refused`: the recipients were refused for good (a 5xx to RCPT TO or DATA), the message
 *   was answered (any reply to the final dot), or the message itself cannot be sent (too many
 *   recipients, too large): no other transport would do better;
 * - `ambiguous`: the connection broke or timed out once the message was going out, so
 *   possibly after the final dot: only the same transport may try again (no duplicates).
 */
export type FailureStage = 'unreached' | 'refused' | 'ambiguous';

interface SmtpError {
  code?: string;
  originalCode?: string;
  command?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/** Errors nodemailer raises about the message before talking to the server about it. */
const MESSAGE_ERRORS = new Set(['EMESSAGE', 'EMAXRECIPIENTS', 'ESTREAM', 'EENVELOPE']);
/** The session's set-up, where a refusal is about this relay, not about the mail. */
const SET_UP = /^(CONN|EHLO|HELO|LHLO|STARTTLS|AUTH)/;

const replyOf = (error: SmtpError): number | undefined =>
  typeof error.responseCode === 'number' ? error.responseCode : undefined;

const isMessageError = (error: SmtpError): boolean =>
  replyOf(error) === undefined && MESSAGE_ERRORS.has(error.code ?? '');

/** A refusal of this relay's session or sender (530: authentication required), not of a recipient. */
const refusesSession = (error: SmtpError, code: number): boolean =>
  SET_UP.test(error.command ?? '') ||
  error.code === 'EAUTH' ||
  code === 530 ||
  error.command === 'MAIL FROM';

export function failureStage(raw: unknown, messageStarted: boolean): FailureStage {
  const error = (raw ?? {}) as SmtpError;
  const code = replyOf(error);
  if (messageStarted) return code === undefined ? 'ambiguous' : 'refused';
  if (code === undefined) return isMessageError(error) ? 'refused' : 'unreached';
  if (code < 500 || refusesSession(error, code)) return 'unreached';
  return 'refused';
}

/**
 * Whether the transport itself is unwell (the circuit breaker and /health go by it): it could
 * not be reached, broke off, or refused the session. A server that answered about a recipient
 * or the message works, and an error about the message says nothing of it.
 */
export function transportFault(raw: unknown): boolean {
  const error = (raw ?? {}) as SmtpError;
  const code = replyOf(error);
  if (code === undefined) return !isMessageError(error);
  return code === 421 || refusesSession(error, code);
}

/**
 * A failure as a status shows it: the server's reply with its code; else what went wrong by
 * its code alone, since a system error's message names the relay's address (`connect
 * ECONNREFUSED 10.0.0.5:587`), which a status must not show any key holder.
 */
export function failureText(raw: unknown): string {
  const error = (raw ?? {}) as SmtpError;
  const code = replyOf(error);
  if (error.response) {
    const text = error.response.replace(/\s+/g, ' ').trim();
    return (code && !text.startsWith(String(code)) ? `${code} ${text}` : text).slice(0, 500);
  }
  if (error.code === undefined) {
    const text = String(error.message ?? raw);
    return (code ? `${code} ${text}` : text).slice(0, 200);
  }
  // nodemailer's own timeout messages are fixed phrases ("Greeting never received").
  const phrase =
    error.code === 'ETIMEDOUT' && /^[A-Za-z ]{1,60}$/.test(error.message ?? '')
      ? error.message
      : CLIENT_ERRORS[error.code];
  return `${phrase ?? 'send failed'} (${error.originalCode ?? error.code})`;
}

/** nodemailer's error codes (its errors.js) as a status says them. */
const CLIENT_ERRORS: Record<string, string> = {
  ECONNECTION: 'connection closed unexpectedly',
  ESOCKET: 'connection failed',
  EDNS: 'relay host not found',
  ETIMEDOUT: 'timeout',
  ETLS: 'TLS failed',
  EAUTH: 'authentication failed',
  EPROTOCOL: 'protocol error',
  EENVELOPE: 'no recipients',
  EMESSAGE: 'message refused before sending',
  EMAXRECIPIENTS: 'too many recipients',
  ESTREAM: 'message could not be built',
};
