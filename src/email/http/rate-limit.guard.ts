import {
  CanActivate,
  ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Response } from 'express';
import { EnvironmentVariables } from '../../config/env.validation';
import { ApiRequest, redisDeadline } from './request.decorators';
import { MAX_BATCH } from '../dto/send-batch.dto';
import { EmailQueueConnection } from '../store/email-queue.connection';
import { RateLimitStore } from '../store/rate-limit.store';
import { CODE } from '../../common/error-codes';

/**
 * Emails a request asks for: a batch's length (at most MAX_BATCH: a longer one is refused
 * as invalid anyway), else 1 (reads and single sends alike).
 */
export function costOf(body: unknown): number {
  const emails = (body as { emails?: unknown } | undefined)?.emails;
  return Array.isArray(emails) ? Math.min(Math.max(emails.length, 1), MAX_BATCH) : 1;
}

/**
 * Starts the request's one Redis budget (redisDeadline), then charges the API key's
 * per-minute budget of emails (its rate_limit_per_minute, else RATE_LIMIT_PER_MINUTE; 0 =
 * none). It runs after JsonBodyGuard, so that a batch counts its emails. RateLimit-* headers
 * on every answer; 429 with Retry-After when it does not fit.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly fallback: number;

  constructor(
    private readonly store: RateLimitStore,
    private readonly connection: EmailQueueConnection,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.fallback = config.get('RATE_LIMIT_PER_MINUTE', { infer: true });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ApiRequest>();
    if (!request.apiKey) return true;
    const deadline = redisDeadline(request, this.connection.timeoutMs);
    const limit = request.apiKey.rateLimitPerMinute ?? this.fallback;
    if (limit === 0) return true;
    const response = context.switchToHttp().getResponse<Response>();
    await this.charge(request, response, limit, deadline);
    return true;
  }

  private async charge(
    request: ApiRequest,
    response: Response,
    limit: number,
    deadline: number,
  ): Promise<void> {
    const cost = costOf(request.body);
    const { allowed, used, resetMs } = await this.connection.run(
      () => this.store.take(request.apiKey!.name, cost, limit),
      deadline,
    );
    const reset = String(Math.ceil(resetMs / 1000));
    response.setHeader('RateLimit-Limit', String(limit));
    response.setHeader('RateLimit-Remaining', String(Math.max(0, limit - used)));
    response.setHeader('RateLimit-Reset', reset);
    if (allowed) return;
    response.setHeader('Retry-After', reset);
    throw new HttpException(
      {
        message: `Rate limit of ${limit} emails per minute for this API key: ${cost} asked, ${Math.max(0, limit - used)} left`,
        code: CODE.rate_limited,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
