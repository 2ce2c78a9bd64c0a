import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { ApiKeyRecord } from './api-key.store';

type KeyedRequest = Request & { apiKey?: ApiKeyRecord };

/**
 * @nestjs/throttler per API key (after ApiKeyGuard): counted across all routes of the key,
 * with the key's own rate_limit_per_minute, and the IETF RateLimit-* header names.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override headerPrefix = 'RateLimit';

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    const key = context.switchToHttp().getRequest<KeyedRequest>().apiKey;
    return Promise.resolve(!key);
  }

  protected override getTracker(request: KeyedRequest): Promise<string> {
    return Promise.resolve(request.apiKey!.name);
  }

  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return tracker;
  }

  /** A 429 tells the client its budget too, not only when to come back. */
  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const response = context.switchToHttp().getResponse<Response>();
    response.setHeader('RateLimit-Limit', detail.limit);
    response.setHeader('RateLimit-Remaining', 0);
    response.setHeader('RateLimit-Reset', detail.timeToBlockExpire);
    throw new ThrottlerException(
      `Rate limit of ${detail.limit} requests per minute for this API key exceeded`,
    );
  }
}

/** The calling key's requests per minute: its own setting, else RATE_LIMIT_PER_MINUTE; 0 = none. */
export function limitFor(context: ExecutionContext, fallback: number): number {
  const key = context.switchToHttp().getRequest<KeyedRequest>().apiKey;
  return key?.rateLimitPerMinute ?? fallback;
}
