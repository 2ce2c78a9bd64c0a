import type { Queue } from 'bull';
import Redis from 'ioredis';

/**
 * Closes the queue without waiting for active jobs (EmailProcessor.drain() did the waiting,
 * bounded), then ends our connections: Bull leaves clients from createClient open.
 */
export async function closeQueue(queue: Queue): Promise<void> {
  await queue.close(true);
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
 * queue.process() names the blocking connection (CLIENT SETNAME) in a promise Bull drops.
 * After a start without Redis that command waits in the blocking client's offline queue;
 * stopping before that client is back rejects it, and the unhandled rejection crashes the
 * stop (exit 1, a stack on stderr). Only the name is at stake: ioredis sends it again on
 * every reconnect. Call before queue.process().
 */
export function tolerateUnnamedWorker(queue: Queue): void {
  const setWorkerName = queue.setWorkerName.bind(queue);
  queue.setWorkerName = () => setWorkerName().catch(() => undefined);
}
