import type { QueueOptions } from 'bull';
import Redis, { RedisOptions } from 'ioredis';

const reconnect = (attempt: number): number => Math.min(100 * 2 ** attempt, 2000);

/**
 * Bull's three connections. The command client never resends a command after a reconnect
 * and gives each command no retry (maxRetriesPerRequest 0): whatever was queued or in flight
 * when the connection dropped is rejected at once. So a request that was answered 503 has
 * really had nothing done, instead of its commands running later. (Without resending, any
 * higher maxRetriesPerRequest leaves in-flight commands pending forever after a quick
 * reconnect.) API requests only issue commands once the client is ready (withRedis), so the
 * offline queue only holds Bull's own start-up calls. The blocking and subscriber clients
 * wait and reconnect, as Bull requires. Auto-pipelining sends the commands that concurrent
 * requests and jobs issue in one event-loop turn as one write, answered in one round trip.
 */
type ClientType = Parameters<NonNullable<QueueOptions['createClient']>>[0];

export function redisClientFactory(url: string): (type: ClientType) => Redis {
  return (type) => {
    const options: RedisOptions =
      type === 'client'
        ? {
            autoResendUnfulfilledCommands: false,
            maxRetriesPerRequest: 0,
            enableAutoPipelining: true,
          }
        : { maxRetriesPerRequest: null, enableReadyCheck: false };
    return new Redis(url, { ...options, retryStrategy: reconnect, connectTimeout: 5000 });
  };
}
