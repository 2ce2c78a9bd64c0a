import type { Queue, QueueOptions } from 'bull';
import Redis, { ChainableCommander, RedisOptions } from 'ioredis';

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

type ScriptArg = string | number;

/** A Lua script registered on a client: sent as EVALSHA, auto-pipelined like any command. */
export interface LuaScript {
  run<T = unknown>(...args: ScriptArg[]): Promise<T>;
  /** Queues the call on a MULTI being built (exec() runs it). */
  addTo(multi: ChainableCommander, ...args: ScriptArg[]): void;
}

type ScriptCommands = Record<string, (...args: ScriptArg[]) => unknown>;

/** `numberOfKeys` leading arguments are keys, the rest ARGV. */
export function defineScript(
  client: Redis,
  name: string,
  numberOfKeys: number,
  lua: string,
): LuaScript {
  client.defineCommand(name, { numberOfKeys, lua });
  const commands = (target: Redis | ChainableCommander): ScriptCommands =>
    target as unknown as ScriptCommands;
  return {
    run: <T>(...args: ScriptArg[]) => commands(client)[name](...args) as Promise<T>,
    addTo: (multi, ...args) => void commands(multi)[name](...args),
  };
}

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

/**
 * Runs a Redis operation before `deadline` (epoch ms), waiting for a (re)connecting client
 * within that budget; the operation starts only on a ready connection, so nothing waits in
 * ioredis' offline queue to run after the caller was told "unavailable".
 */
export async function withRedis<T>(
  client: Redis,
  deadline: number,
  operation: () => Promise<T>,
  unavailable: () => Error,
): Promise<T> {
  // The hot path (a ready client, a prompt answer) allocates one timer and no error object.
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => {
        timedOut = true;
        reject(unavailable());
      },
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    if (client.status !== 'ready') await Promise.race([whenReady(client), expired]);
    return await Promise.race([operation(), expired]);
  } catch (error) {
    // An error while the connection is down is the outage; any other error is a bug (500).
    throw timedOut || client.status !== 'ready' ? unavailable() : error;
  } finally {
    clearTimeout(timer);
  }
}

const readiness = new WeakMap<Redis, Promise<void>>();

/** The client's next 'ready', shared by every waiting request: one listener per outage. */
function whenReady(client: Redis): Promise<void> {
  let ready = readiness.get(client);
  if (!ready) {
    ready = new Promise((resolve) =>
      client.once('ready', () => {
        readiness.delete(client);
        resolve();
      }),
    );
    readiness.set(client, ready);
  }
  return ready;
}

/** The Redis settings SPEC §5's guarantees rest on, and what each must be. */
const DURABILITY: [setting: string, ok: (value: string) => boolean, advice: string][] = [
  [
    'appendonly',
    (v) => v === 'yes',
    'appendonly yes (or accepted mail is lost when Redis restarts)',
  ],
  ['appendfsync', (v) => v !== 'no', 'appendfsync everysec'],
  [
    'maxmemory-policy',
    (v) => v === 'noeviction',
    'maxmemory-policy noeviction (or Redis may evict queued mail)',
  ],
];

/**
 * One line per setting that differs from what production needs; [] when all is well;
 * undefined when the connection dropped during the check (that is no refusal: ask again).
 */
export async function durabilityWarnings(client: Redis): Promise<string[] | undefined> {
  try {
    const warnings: string[] = [];
    for (const [setting, ok, advice] of DURABILITY) {
      const [, value] = (await client.config('GET', setting)) as string[];
      if (value !== undefined && !ok(value))
        warnings.push(`Redis has ${setting} ${value}; production needs ${advice}`);
    }
    return warnings;
  } catch {
    if (client.status !== 'ready') return undefined;
    return [
      'Redis refused CONFIG GET; make sure it runs with appendonly yes and maxmemory-policy noeviction',
    ];
  }
}
