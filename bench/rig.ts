/**
 * What every bench script runs on: a private redis-server and the counting SMTP sink, and for
 * those that ask, the counting webhook receiver.
 */
import Redis from 'ioredis';
import { BenchRedis, freePort } from './redis';
import { CountingSink } from './sink';
import { Running, StartOptions, start, stop } from './launch';
import { Target } from './targets';
import { WebhookReceiver } from './webhook-receiver';

export interface Rig {
  redis: BenchRedis;
  sink: CountingSink;
  /** With runBench's `receiver` option only. */
  receiver?: WebhookReceiver;
}

/** Empties the bench's Redis, so that no target sees another's jobs. */
export async function flush(rig: Rig): Promise<void> {
  const redis = new Redis(rig.redis.url);
  await redis.flushall();
  redis.disconnect();
}

/** Starts `target` on the rig. */
export const startOn = (rig: Rig, target: Target, options: StartOptions = {}): Promise<Running> =>
  start(target, { redisUrl: rig.redis.url, smtpPort: rig.sink.port }, options);

/** Runs `what` against a fresh process of `target` on an emptied Redis, then stops it. */
export async function withTarget<T>(
  rig: Rig,
  target: Target,
  options: StartOptions,
  what: (running: Running) => Promise<T>,
): Promise<T> {
  await flush(rig);
  const running = await startOn(rig, target, options);
  try {
    return await what(running);
  } finally {
    await stop(running);
  }
}

/** Runs a bench's `main` on a fresh rig and stops the rig after; a failure exits with 1. */
export function runBench(
  name: string,
  main: (rig: Rig) => Promise<void>,
  options: { receiver?: boolean } = {},
): void {
  const run = async (): Promise<void> => {
    const redis = await BenchRedis.start();
    const sink = await CountingSink.start(await freePort());
    const receiver = options.receiver ? await WebhookReceiver.start(await freePort()) : undefined;
    // process.exit() (a target that died, a failure) skips the finally below.
    const orphans = (): void => (redis.kill(), sink.kill(), receiver?.kill());
    process.once('exit', orphans);
    try {
      await main({ redis, sink, receiver });
    } finally {
      process.off('exit', orphans);
      await receiver?.close();
      await sink.close();
      await redis.stop();
    }
  };
  run().catch((error: unknown) => {
    process.stderr.write(
      `\n${name} failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  });
}
