import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Injectable, OnApplicationShutdown, ServiceUnavailableException } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { withRedis } from './redis.client';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

const unavailable = (): ServiceUnavailableException =>
  new ServiceUnavailableException({
    message: 'Redis is unreachable; nothing was accepted. Retry later.',
    code: 'queue_unavailable',
  });

/**
 * @nest-lab/throttler-storage-redis (one Lua script per hit) on a fail-fast connection, so
 * the counts are shared by every api process on the Redis, and an outage is a 503 within
 * REDIS_TIMEOUT_MS instead of a hung request.
 */
@Injectable()
export class RateLimitStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly inner: ThrottlerStorageRedisService;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly timeoutMs: number,
  ) {
    this.inner = new ThrottlerStorageRedisService(redis);
  }

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    name: string,
  ): Promise<ThrottlerStorageRecord> {
    const run = (): Promise<ThrottlerStorageRecord> =>
      this.inner.increment(`${this.prefix}:rate-limit:${key}`, ttl, limit, blockDuration, name);
    return withRedis(this.redis, this.timeoutMs, run, unavailable);
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
