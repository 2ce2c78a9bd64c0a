import Redis from 'ioredis';
import { withTimeout } from '../common/timeout';

// One shared instance: the hot path allocates no error object.
const TIMED_OUT = new Error('timed out');

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
  let late = false;
  const run = async (): Promise<T> => {
    if (client.status !== 'ready') await whenReady(client);
    // The caller was told "unavailable" already: run nothing now that it can no longer see.
    if (late) throw TIMED_OUT;
    return operation();
  };
  try {
    return await withTimeout(run(), deadline - Date.now(), () => {
      late = true;
      throw TIMED_OUT;
    });
  } catch (error) {
    // An error while the connection is down is the outage; any other error is a bug (500).
    throw error === TIMED_OUT || client.status !== 'ready' ? unavailable() : error;
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
