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

/** The token this queue's worker holds its jobs' locks with (Bull's own, untyped). */
export function lockTokenOf(queue: Queue): string {
  return (queue as unknown as { token: string }).token;
}

/** A job for another Bull queue, added from inside one of our scripts (ADD_BULL_JOB_LUA). */
export interface BullJobSpec {
  /** The job id; a job of that id that still exists is kept as it is (Bull's own rule). */
  id: string;
  name: string;
  data: string;
  /** Bull's job options as JSON: attempts, backoff, retention. */
  opts: string;
  /** Added as delayed by this long instead of waiting: a job its adder means to run itself. */
  holdMs?: number;
}

/**
 * Bull's addJob (bull/lib/commands/addJob-6.lua) for a job with an id and no priority, as a
 * Lua function our own scripts call: so a job is added in the same atomic call as the record
 * it belongs to, instead of in a second round trip that a crash could split off. A held job
 * goes to the delayed set without addJob's PUBLISH: nobody need wake for it, and Bull's
 * guardInterval poll promotes it once due. KEYS: the job's hash, wait, paused, meta-paused,
 * delayed. test/event-job.e2e-spec.ts checks that Bull takes, retries and fails such a job
 * like one of its own.
 */
export const ADD_BULL_JOB_LUA = `
local function addBullJob(jobKey, waitKey, pausedKey, metaPausedKey, delayedKey, id, name, data,
    opts, now, hold)
  if id == '' or redis.call('EXISTS', jobKey) == 1 then return end
  hold = tonumber(hold)
  redis.call('HSET', jobKey, 'name', name, 'data', data, 'opts', opts, 'timestamp', now,
    'delay', hold, 'priority', 0)
  if hold > 0 then
    redis.call('ZADD', delayedKey, (tonumber(now) + hold) * 0x1000, id)
    return
  end
  local target = waitKey
  if redis.call('EXISTS', metaPausedKey) == 1 then target = pausedKey end
  redis.call('LPUSH', target, id)
end
`;

/** The five keys ADD_BULL_JOB_LUA takes for `job` in `queue` (a stand-in hash without one). */
export function bullJobKeys(queue: Queue, job?: BullJobSpec): string[] {
  return [
    queue.toKey(job ? job.id : 'no-job'),
    queue.toKey('wait'),
    queue.toKey('paused'),
    queue.toKey('meta-paused'),
    queue.toKey('delayed'),
  ];
}

/** The six ARGV ADD_BULL_JOB_LUA takes for `job` ('' id: no job to add). */
export function bullJobArgs(job?: BullJobSpec): string[] {
  if (!job) return ['', '', '', '', '', '0'];
  return [job.id, job.name, job.data, job.opts, String(Date.now()), String(job.holdMs ?? 0)];
}
