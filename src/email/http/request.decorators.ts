import { ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiKeyRecord } from '../../config/api-key.parser';

/** A request as the API's guards leave it. */
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

export const IS_PUBLIC = 'isPublic';
/** Opts a route out of the API-key check (pages for people, health, metrics). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** The calling app's key record, set by ApiKeyGuard. */
export const CallerKey = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ApiKeyRecord =>
    context.switchToHttp().getRequest<ApiRequest>().apiKey!,
);

/** The request's Redis deadline, started by RateLimitGuard on every keyed route. */
export const RedisDeadline = createParamDecorator(
  (_data: unknown, context: ExecutionContext): number | undefined =>
    context.switchToHttp().getRequest<ApiRequest>().redisDeadline,
);

/** What idempotency needs of a request: its key, whose it is, what it asks, and its answer. */
export interface IdempotentRequest {
  key: unknown;
  owner: string;
  route: string;
  body: unknown;
  /** The request's Redis deadline (redisDeadline), shared with the accept it wraps. */
  deadline?: number;
  setHeader(name: string, value: string): void;
}

/** The request as IdempotencyService.run takes it (the raw body, not the DTO, is fingerprinted). */
export const Idempotent = createParamDecorator(
  (_data: unknown, context: ExecutionContext): IdempotentRequest => {
    const request = context.switchToHttp().getRequest<ApiRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    return {
      key: request.headers['idempotency-key'],
      owner: request.apiKey!.name,
      route: `${request.baseUrl}${(request.route as { path: string }).path}`,
      body: request.body,
      deadline: request.redisDeadline,
      setHeader: (name, value) => void response.setHeader(name, value),
    };
  },
);
