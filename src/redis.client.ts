import type { Queue, QueueOptions } from 'bull';
import Redis, { RedisOptions } from 'ioredis';
import { once } from 'node:events';

const reconnect = (attempt: number): number => Math.min(100 * 2 ** attempt, 2000);

/**
 * Bull's three connections. The command client has no offline queue, so while Redis is
 * down a command fails at once (the API answers 503) instead of waiting and running later,
 * after the caller was already told "unavailable". The blocking and subscriber clients wait
 * and reconnect, as Bull requires.
 */
export function redisClientFactory(url: string): NonNullable<QueueOptions['createClient']> {
  return (type) => {
    const options: RedisOptions =
      type === 'client'
        ? {
            enableOfflineQueue: false,
            autoResendUnfulfilledCommands: false,
            maxRetriesPerRequest: 1,
          }
        : { maxRetriesPerRequest: null, enableReadyCheck: false };
    return new Redis(url, { ...options, retryStrategy: reconnect, connectTimeout: 5000 });
  };
}

/** Bull leaves clients from createClient open on close(); this ends ours. */
export async function closeQueue(queue: Queue): Promise<void> {
  await queue.close();
  // Reading a client that was never used would create it, hence Bull's *Initialized flags.
  const internals = queue as unknown as Record<string, Redis | boolean>;
  const clients = [
    internals.clientInitialized && internals.client,
    internals.subscriberInitialized && internals.eclient,
    internals.bclientInitialized && internals.bclient,
  ];
  for (const client of clients) if (client instanceof Redis) client.disconnect();
}

/**
 * Runs a Redis operation within `timeoutMs`, waiting for a (re)connecting client inside that
 * budget. The command client has no offline queue, so nothing is left to run later: a caller
 * told "unavailable" has really had nothing done.
 */
export async function withRedis<T>(
  client: Redis,
  timeoutMs: number,
  operation: () => Promise<T>,
  unavailable: () => Error,
): Promise<T> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const aborted = once(abort.signal, 'abort').then(() => Promise.reject(unavailable()));
  aborted.catch(() => undefined);
  try {
    if (client.status !== 'ready')
      await Promise.race([once(client, 'ready', { signal: abort.signal }), aborted]);
    return await Promise.race([operation(), aborted]);
  } catch (error) {
    // An error while the connection is down is the outage; any other error is a bug (500).
    throw abort.signal.aborted || client.status !== 'ready' ? unavailable() : error;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}
