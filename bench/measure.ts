/** The measurements: accept path, end to end with memory, and the ceiling. */
import autocannon from 'autocannon';
import Bull from 'bull';
import nodemailer from 'nodemailer';
import { performance } from 'node:perf_hooks';
import { CountingSink } from './sink';
import { KEY, Running, rssMb } from './targets';

export const CONNECTIONS = 32;
export const ACCEPT_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
export const WARMUP_SECONDS = 3;
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
export const E2E_MAILS = 2000;
export const E2E_RUNS = 3;

export const BODY = JSON.stringify({
  email_to: 'ann@example.com',
  email_from: 'Shop <no-reply@shop.example>',
  subject: 'Benchmark',
  message: { text: 'plain body', html: '<p>html body</p>' },
});

export interface Accept {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export interface EndToEnd {
  mailsPerSecond: number[];
  rssMb: number[];
}

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

/** Requests/s and latency at 32 connections, after a warm-up run that is not counted. */
export async function accept({ url }: Running): Promise<Accept> {
  await post(url, { duration: WARMUP_SECONDS });
  const result = await post(url, { duration: ACCEPT_SECONDS });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
  };
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

/** Posts `E2E_MAILS` at once and waits until the last of them has reached the sink. */
export async function burst(url: string, sink: CountingSink): Promise<Burst> {
  const before = await sink.count();
  const start = performance.now();
  const elapsed = (): number => (performance.now() - start) / 1000;
  let answered = 0;
  let whilePosting: Promise<Phase> | undefined;
  const posting = new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(postOptions(url, { amount: E2E_MAILS }), (error, result) =>
      error ? reject(error as Error) : resolve(result),
    );
    instance.on('response', () => {
      if (++answered < E2E_MAILS) return;
      const seconds = elapsed();
      whilePosting = sink.count().then((count) => ({ mails: count - before, seconds }));
    });
  });
  await sink.reached(before + E2E_MAILS);
  const seconds = elapsed();
  const result = await posting;
  if (result.non2xx + result.errors > 0 || !whilePosting)
    throw new Error('end to end: some POSTs failed');
  return { seconds, whilePosting: await whilePosting };
}

/**
 * A warm-up burst on each server, then `E2E_RUNS` bursts on each, taking turns, with each
 * process's RSS after its burst. The servers run side by side, so that a slow moment of the
 * machine falls on both rather than on whichever was measured then.
 */
export async function endToEnd(
  servers: Running[],
  sink: CountingSink,
  progress: (server: number, run: number) => void,
): Promise<EndToEnd[]> {
  for (const { url } of servers) await burst(url, sink);
  const figures = servers.map((): EndToEnd => ({ mailsPerSecond: [], rssMb: [] }));
  for (let run = 1; run <= E2E_RUNS; run++) {
    for (const [i, { url, child }] of servers.entries()) {
      progress(i, run);
      const { seconds } = await burst(url, sink);
      figures[i].mailsPerSecond.push(Math.round(E2E_MAILS / seconds));
      figures[i].rssMb.push(rssMb(child.pid!));
    }
  }
  return figures;
}

/** What Redis and the sink allow at all: raw queue.add() loops, nodemailer's pool alone. */
export async function ceiling(
  redisUrl: string,
  sink: CountingSink,
): Promise<{ addsPerSecond: number; mailsPerSecond: number }> {
  const queue = new Bull('ceiling', redisUrl);
  let adds = 0;
  const until = Date.now() + ACCEPT_SECONDS * 1000;
  const mail = JSON.parse(BODY) as object;
  const loop = async (): Promise<void> => {
    while (Date.now() < until) {
      await queue.add(mail);
      adds++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  await queue.close();
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: sink.port,
    pool: true,
    maxConnections: 16,
    secure: false,
  } as never);
  const goal = (await sink.count()) + E2E_MAILS;
  const start = Date.now();
  let next = 0;
  const send = async (): Promise<void> => {
    while (next++ < E2E_MAILS)
      await transport.sendMail({
        from: 'no-reply@shop.example',
        to: 'ann@example.com',
        subject: 'Benchmark',
        text: 'plain body',
        html: '<p>html body</p>',
      });
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, send));
  await sink.reached(goal);
  transport.close();
  return {
    addsPerSecond: Math.round(adds / ACCEPT_SECONDS),
    mailsPerSecond: Math.round(E2E_MAILS / ((Date.now() - start) / 1000)),
  };
}
