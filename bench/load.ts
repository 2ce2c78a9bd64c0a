/** The load the bench puts on a target: autocannon POSTs of one mail, and bursts of them. */
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { CountingSink } from './sink';
import { KEY } from './targets';

const numberFrom = (name: string, fallback: number): number =>
  Number(process.env[name] ?? fallback);

export const CONNECTIONS = 32;
export const ACCEPT_SECONDS = numberFrom('BENCH_SECONDS', 5);
export const WARMUP_SECONDS = 3;
export const ROUNDS = numberFrom('BENCH_ROUNDS', 4);
export const DRAIN_JOBS = numberFrom('BENCH_DRAIN_JOBS', 4000);
export const E2E_MAILS = numberFrom('BENCH_E2E_MAILS', 2000);
export const E2E_WARMUP_MAILS = 500;
export const E2E_RUNS = 3;

export const SCENARIOS = ['accept', 'drain', 'e2e', 'webhooks'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** BENCH_ONLY=webhooks (or e2e,webhooks…): only those scenarios, for a check; default all. */
export const ONLY: Scenario[] = (process.env.BENCH_ONLY?.split(',') ?? [...SCENARIOS]).map(
  (name) => {
    if (!(SCENARIOS as readonly string[]).includes(name))
      throw new Error(`BENCH_ONLY: "${name}" is not one of ${SCENARIOS.join(', ')}`);
    return name as Scenario;
  },
);

/** The same request for both servers: a text + HTML mail, as the seed's example sends. */
export const BODY = JSON.stringify({
  email_to: 'ann@example.com',
  email_from: 'Shop <no-reply@shop.example>',
  subject: 'Benchmark',
  message: { text: 'plain body', html: '<p>html body</p>' },
});

/** autocannon's options for POSTing the bench's mail at `CONNECTIONS` connections. */
export const postOptions = (
  url: string,
  options: { duration?: number; amount?: number },
): autocannon.Options => ({
  url: `${url}/send-email`,
  connections: CONNECTIONS,
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': KEY },
  body: BODY,
  ...options,
});

export const post = (
  url: string,
  options: { duration?: number; amount?: number },
): Promise<autocannon.Result> => autocannon(postOptions(url, options));

/** POSTs `amount` mails and fails unless every one was answered 2xx. */
export async function postAll(url: string, amount: number): Promise<void> {
  const result = await post(url, { amount });
  const failed = result.non2xx + result.errors;
  if (failed > 0) throw new Error(`${failed} of ${amount} POSTs to ${url} failed`);
}

export interface Phase {
  mails: number;
  seconds: number;
}

export interface Burst {
  /** From the first POST until the last mail reached the sink. */
  seconds: number;
  /** Until autocannon got its last answer (its own end only comes on a 1 s tick). */
  whilePosting: Phase;
}

/** Posts `mails` (E2E_MAILS) at once and waits until the last of them has reached the sink. */
export async function burst(url: string, sink: CountingSink, mails = E2E_MAILS): Promise<Burst> {
  const before = await sink.count();
  const start = performance.now();
  const elapsed = (): number => (performance.now() - start) / 1000;
  let answered = 0;
  let whilePosting: Promise<Phase> | undefined;
  const posting = new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(postOptions(url, { amount: mails }), (error, result) =>
      error ? reject(error as Error) : resolve(result),
    );
    instance.on('response', () => {
      if (++answered < mails) return;
      const seconds = elapsed();
      whilePosting = sink.count().then((count) => ({ mails: count - before, seconds }));
    });
  });
  // Refused POSTs never reach the sink: fail instead of waiting for them.
  const refused = posting.then(({ non2xx, errors }) =>
    non2xx + errors > 0
      ? Promise.reject(new Error(`end to end: ${non2xx + errors} POSTs failed`))
      : new Promise<never>(() => undefined),
  );
  await Promise.race([sink.reached(before + mails), refused]);
  const seconds = elapsed();
  await posting;
  return { seconds, whilePosting: await whilePosting! };
}
