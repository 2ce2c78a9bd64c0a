import {
  CanActivate,
  ExecutionContext,
  Injectable,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ConfigService } from '@nestjs/config';
import type { Request, RequestHandler, Response } from 'express';
import { text } from 'express';
import { EnvironmentVariables } from '../config/env.validation';
import { CODE } from './error-codes';

const MAX_DEPTH = 32;
const JSON_TYPES = ['application/json', 'application/*+json'];
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const [QUOTE, BACKSLASH, OPEN_BRACE, OPEN_BRACKET, CLOSE_BRACE, CLOSE_BRACKET] = [
  34, 92, 123, 91, 125, 93,
];

// Only a body with one of these can hold a dangerous key (\u: a key spelled with escapes).
const SUSPECT = /__proto__|constructor|prototype|\\u/;

/** Read by the exception filter like body-parser's own errors: a status and a type. */
class BodyError extends Error {
  readonly status = 400;
  constructor(
    message: string,
    readonly type = 'entity.verify.failed',
  ) {
    super(message);
  }
}

/** Rejects deeply nested JSON before JSON.parse and class-transformer recurse into it. */
export function checkDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const byte = text.charCodeAt(i);
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > MAX_DEPTH)
        throw new BodyError(`JSON is nested deeper than ${MAX_DEPTH} levels`);
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
  }
}

/** No JSON key may reach an object's prototype, wherever it sits in the body. */
export function rejectUnsafeKeys(key: string, value: unknown): unknown {
  if (UNSAFE_KEYS.has(key)) throw new BodyError(`the key "${key}" is not allowed`);
  return value;
}

/** Strict JSON (an object or array at the top), depth-checked, with no prototype keys. */
export function parseJson(text: string): unknown {
  checkDepth(text);
  if (!/^\s*[{[]/.test(text))
    throw new BodyError('expected a JSON object or array', 'entity.parse.failed');
  try {
    // The reviver costs a call per value; only bodies that could hold such a key pay for it.
    return JSON.parse(text, SUSPECT.test(text) ? rejectUnsafeKeys : undefined);
  } catch (error) {
    if (error instanceof BodyError) throw error;
    throw new BodyError((error as Error).message, 'entity.parse.failed');
  }
}

const TAKES_BODY = new WeakMap<object, boolean>();

/** Whether a handler has a @Body() parameter: only those routes read what the client sends. */
function takesBody(context: ExecutionContext): boolean {
  const handler = context.getHandler();
  let known = TAKES_BODY.get(handler);
  if (known === undefined) {
    const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ??
      {}) as Record<string, unknown>;
    known = Object.keys(args).some((key) => key.startsWith(`${RouteParamtypes.BODY}:`));
    TAKES_BODY.set(handler, known);
  }
  return known;
}

/**
 * JSON body parsing right after ApiKeyGuard (Nest's own parser is off): a request without a
 * valid API key is answered 401 before a byte of its body is read, and only routes that take
 * a body read one. Parse errors, size limits and content types reach the one exception filter.
 * A guard, not an interceptor: a route without interceptors skips Nest's RxJS pipeline and
 * its AsyncResource per request (about 100 µs of CPU each), and guards run in order.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  private readonly read: RequestHandler;

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    // body-parser reads (limit, charset, encodings); parseJson parses.
    this.read = text({ limit: config.get('MAX_BODY', { infer: true }), type: JSON_TYPES });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!takesBody(context)) return true;
    const http = context.switchToHttp();
    await this.parse(http.getRequest<Request>(), http.getResponse<Response>());
    return true;
  }

  private async parse(req: Request, res: Response): Promise<void> {
    const hasBody =
      req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
    if (hasBody && !req.is(JSON_TYPES)) {
      throw new UnsupportedMediaTypeException({
        message: 'Send the body as JSON with Content-Type: application/json',
        code: CODE.unsupported_media_type,
      });
    }
    // body-parser's errors carry a status and a type; the filter reads them as they are.
    const readError = await new Promise<unknown>((resolve) => this.read(req, res, resolve));
    if (readError) throw readError as Error;
    if (typeof req.body === 'string') req.body = parseJson(req.body);
  }
}
