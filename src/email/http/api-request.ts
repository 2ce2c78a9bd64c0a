import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import { ApiKeyRecord } from '../api-key.parser';

/** A request as the API's guards and interceptors leave it. */
export type ApiRequest = Request & {
  /** The calling app's key, set by ApiKeyGuard. */
  apiKey?: ApiKeyRecord;
  /** When the request's one wait for Redis ends (epoch ms); see redisDeadline(). */
  redisDeadline?: number;
};

/**
 * One bounded wait for Redis per request: the first Redis call of a request starts the
 * REDIS_TIMEOUT_MS budget and every later call shares what is left of it, so a request
 * answers 503 within REDIS_TIMEOUT_MS however many Redis steps it has.
 */
export function redisDeadline(request: ApiRequest, timeoutMs: number): number {
  return (request.redisDeadline ??= Date.now() + timeoutMs);
}

/** The calling app's key record, set by ApiKeyGuard. */
export const CallerKey = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ApiKeyRecord =>
    context.switchToHttp().getRequest<ApiRequest>().apiKey!,
);

/** The request's Redis deadline (started by the rate limit, or now for an unlimited key). */
export const RedisDeadline = createParamDecorator(
  (_data: unknown, context: ExecutionContext): number | undefined =>
    context.switchToHttp().getRequest<ApiRequest>().redisDeadline,
);
