import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Params } from 'nestjs-pino';
import pino, { DestinationStream, LoggerOptions } from 'pino';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Never logged, wherever they appear in a log object. (A top-level `context` is the Nest
 * class name that nestjs-pino adds; template context only ever sits below the top level.)
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'authorization',
  'apiKey',
  'html',
  'text',
  'attachments',
  'body',
  '*.context',
  '*.html',
  '*.text',
  '*.attachments',
  '*.body',
];

const SYNTHETIC_ERROR = /^failed with status code \d+$/;

/**
 * pino-http invents an Error, with a stack of its own internals, for every 5xx answer. The
 * status says all that error does; a real failure is logged with its stack by HttpErrorFilter.
 */
function withoutSyntheticError(
  _req: IncomingMessage,
  _res: ServerResponse,
  error: Error,
  line: Record<string, unknown>,
): Record<string, unknown> {
  if (SYNTHETIC_ERROR.test(error.message)) delete line.err;
  return line;
}

function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * stdout always; LOG_FILE gets the very same lines when set. Writes are asynchronous (one
 * write call per burst of lines, not per line: about 10 % of the send path's CPU); pino
 * flushes what is pending on exit, so only a SIGKILL can cost the last few lines. Under the
 * supervisor, only the supervisor writes here: its processes' lines reach it through their
 * stdout (src/cluster/log-relay.ts), so the stream stays one, line by whole line.
 */
function destination(logFile?: string): DestinationStream {
  const [stdout, file] = destinations(logFile);
  if (!file) return stdout;
  return pino.multistream([
    { level: 'trace', stream: stdout },
    { level: 'trace', stream: file },
  ]);
}

type SonicBoom = ReturnType<typeof pino.destination>;

/** stdout, and LOG_FILE's stream when it is set: asynchronous, each flushed on exit by pino. */
export function destinations(logFile?: string): SonicBoom[] {
  const stdout = pino.destination({ dest: 1, sync: false });
  if (!logFile) return [stdout];
  return [stdout, pino.destination({ dest: logFile, mkdir: true, append: true, sync: false })];
}

/**
 * What every line of every process has: level names, ISO time, `msg`, the redactions, and
 * `process` (`api-1`, `worker-2`, `supervisor` under ROLE=all; the ROLE otherwise).
 */
export function lineOptions(level: string, label: string): LoggerOptions {
  return {
    level,
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (name) => ({ level: name }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { pid: process.pid, hostname: hostname(), process: label },
  };
}

export function loggerOptions(level: string, label: string, logFile?: string): Params {
  return {
    pinoHttp: [
      {
        ...lineOptions(level, label),
        genReqId: requestId,
        // Only what an operator needs: no headers (keys, cookies) and no bodies. Unwrapped,
        // these read the raw request instead of a copy pino-http would build (headers and all)
        // for every line only to have it thrown away here.
        wrapSerializers: false,
        serializers: {
          req: (req: { id: string; method: string; url: string; originalUrl?: string }) => ({
            id: req.id,
            method: req.method,
            url: req.originalUrl ?? req.url,
          }),
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        },
        customErrorObject: withoutSyntheticError,
        customLogLevel: (_req, res, error) =>
          error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      },
      destination(logFile),
    ],
  };
}
