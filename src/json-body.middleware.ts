import { Injectable, NestMiddleware, UnsupportedMediaTypeException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { json } from 'express';
import { EnvironmentVariables } from './env.validation';

const MAX_DEPTH = 32;
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const [QUOTE, BACKSLASH, OPEN_BRACE, OPEN_BRACKET, CLOSE_BRACE, CLOSE_BRACKET] = [
  34, 92, 123, 91, 125, 93,
];

class BodyError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Rejects deeply nested JSON before JSON.parse and class-transformer recurse into it. */
export function checkDepth(_req: unknown, _res: unknown, buffer: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buffer.length; i++) {
    const byte = buffer[i];
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

/**
 * JSON body parsing as Nest middleware (Nest's own parser is off), so that parse errors,
 * size limits and content types reach the one exception filter like every other error.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  private readonly parse: RequestHandler;

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    const limit = config.get('MAX_BODY', { infer: true });
    this.parse = json({ limit, strict: true, verify: checkDepth, reviver: rejectUnsafeKeys });
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const hasBody =
      req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
    if (hasBody && !req.is(['application/json', 'application/*+json'])) {
      throw new UnsupportedMediaTypeException({
        message: 'Send the body as JSON with Content-Type: application/json',
        code: 'unsupported_media_type',
      });
    }
    this.parse(req, res, next);
  }
}
