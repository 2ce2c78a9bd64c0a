/**
 * Where a send failed, by what nodemailer's SMTP client put on its error (`code`, the
 * `command` in flight, the system error's `originalCode`, the server's `responseCode`):
 *
 * - `unreached`: the message provably never reached the server (no connection, no greeting,
 *   TLS or AUTH refused, a 4xx to MAIL FROM, RCPT TO or the DATA command itself): another
 *   transport may take it at once;
 * - `refused`: the server answered no for good (a 5xx but AUTH's) or, after the message, for
 *   now (a 4xx to the final dot): the same answer would come from anywhere, so no failover;
 * - `ambiguous`: the connection broke or timed out with no reply to tell where it was, once
 *   the message had started to go out (`messageStarted`, see MessageWatch), so possibly after
 *   the final dot: only the same transport may try again (no duplicates). Before that, a reset
 *   or timeout is `unreached`.
 */
export type FailureStage = 'unreached' | 'refused' | 'ambiguous';

interface SmtpError {
  code?: string;
  originalCode?: string;
  command?: string;
  responseCode?: number;
  message?: string;
}

/** System errors of connect(): no socket, so nothing was sent. */
const NO_CONNECTION = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** nodemailer's own phase timers (connect, greeting, TLS upgrade), all before any command. */
const SETUP_TIMEOUTS = /^(Connection timeout|Greeting never received|TLS handshake timed out)/;
/** Commands whose 4xx leaves no message at the server (DATA here is the command, before 354). */
const ENVELOPE = new Set(['MAIL FROM', 'RCPT TO', 'DATA']);

function beforeAnyCommand(error: SmtpError): boolean {
  if (['EDNS', 'ETLS', 'EAUTH'].includes(error.code ?? '')) return true;
  if (NO_CONNECTION.has(error.originalCode ?? '')) return true;
  if (error.code === 'ETIMEDOUT' && SETUP_TIMEOUTS.test(error.message ?? '')) return true;
  // A greeting other than 220 (a 421 "too busy"), the server's way to say "not now".
  return error.code === 'EPROTOCOL' && /^Invalid greeting/.test(error.message ?? '');
}

export function failureStage(raw: unknown, messageStarted: boolean): FailureStage {
  const error = (raw ?? {}) as SmtpError;
  if (beforeAnyCommand(error)) return 'unreached';
  const code = typeof error.responseCode === 'number' ? error.responseCode : undefined;
  if (code !== undefined && code >= 500) return 'refused';
  // EENVELOPE: MAIL FROM, RCPT TO or DATA answered (a 5xx is refused above).
  if (code !== undefined && error.code === 'EENVELOPE' && ENVELOPE.has(error.command ?? ''))
    return 'unreached';
  if (code !== undefined) return 'refused';
  return messageStarted ? 'ambiguous' : 'unreached';
}

/** A failure as a status shows it: the server's reply with its code, or the client's error. */
export function failureText(raw: unknown): string {
  const error = (raw ?? {}) as SmtpError & { response?: string };
  const code = typeof error.responseCode === 'number' ? error.responseCode : undefined;
  const text = (error.response ?? error.message ?? String(raw)).replace(/\s+/g, ' ').trim();
  return (code && !text.startsWith(String(code)) ? `${code} ${text}` : text).slice(0, 500);
}
