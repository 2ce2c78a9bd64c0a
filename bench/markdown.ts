/** docs/benchmarks.md: one run's table, how it was measured, and the targets it met. */
import { cpus } from 'node:os';
import { CONNECTIONS } from './load';
import { Result, refused, table, targetLines } from './report';
import { webhookTable } from './webhook-report';

export function markdown(result: Result): string {
  const s = result.settings;
  return `# Benchmarks

\`${result.invocation}\` on ${result.date.slice(0, 10)}, ${result.machine}: ${result.minutes.toFixed(1)} minutes
of measuring after \`nest build\`. While it ran, processes other than the bench's kept
${result.otherCores.toFixed(2)} of the ${cpus().length} cores busy on average (the machine's busy time in \`/proc/stat\` less the
bench's own process tree); a busy machine lowers every figure, and a CPU-bound server's more.

Every figure is from this one run: the median of its rounds (of its bursts, for end to end)
with the lowest and highest in brackets. A ratio is service/baseline of the medians, with the
lowest and highest ratio of one round (the two measured back to back) in brackets. Lower is
better for latency, time, CPU, allocation and RSS.

${table(result)}

${refused(result)}.

The service alone, end to end without and with a webhook configured (a ratio here is the
median of the rounds' with/without ratios, with their lowest and highest in brackets):

${webhookTable(result.webhooks)}

## Targets

Issue 17's, then the webhooks' acceptance line (events must not tax the send path):

${targetLines(result)}

## What is compared

- **service**: \`${result.command}\` (package.json's start:prod, the Docker image's command),
  run directly, not through npm, with \`NODE_ENV=production\` as in the image and every
  feature on: API key auth, validation, status records, \`LOG_LEVEL=info\` (JSON lines to
  stdout, which the bench discards), metrics, and rate limits
  (\`RATE_LIMIT_PER_MINUTE=1000000\`: on, never reached).
- **baseline**: [bench/baseline.ts](../bench/baseline.ts), what a competent engineer writes by
  hand: Express + Bull + nodemailer's pool (maxConnections = WORKER_CONCURRENCY); an API-key
  check (X-API-Key or Bearer; SHA-256 digests compared with \`crypto.timingSafeEqual\`);
  minimal validation (required fields and types, a simple address check; 400 JSON); Bull's
  retries (5 attempts, exponential backoff from 2 s) and the service's retention of finished
  jobs; \`GET /send-email/:id\` from Bull's job state; the same ROLE split (api, worker, or
  both in one process). No request logs, metrics, rate limits or status records of its own.
  Compiled to JavaScript and run with plain \`node\`, \`NODE_ENV=production\`.
- **both**: WORKER_CONCURRENCY=${s.worker_concurrency}; the same request (a text + HTML mail as JSON, at
  ${CONNECTIONS} connections); the same private \`redis-server\` (emptied before each start) and counting SMTP
  sink (a process of its own). autocannon runs in the bench's process; all of them share the
  machine's cores with the server under test.
- **service with a webhook** (the webhook scenario only): the service as above plus
  \`WEBHOOK_URL\` and \`WEBHOOK_SECRET\` (\`whsec_\` + 32 random bytes), so that every sent
  mail's status write also queues an \`email.sent\` event, which the worker POSTs, signed, at
  \`WEBHOOK_CONCURRENCY\` (its default, 8) per worker process. The endpoint is
  [bench/webhook-receiver.ts](../bench/webhook-receiver.ts), a process of its own on
  127.0.0.1 that counts the POSTs and answers each 204 once its body is in, without checking
  signatures. Without the webhook, the scenario starts the service exactly as end to end does.

## How each figure is measured

${s.rounds} rounds. In each, every scenario runs the service and the baseline back to back on fresh
processes, and the webhook scenario the service without and with a webhook; who goes first
alternates from round to round.

- **accept**: ROLE=api. autocannon POSTs for ${s.accept_seconds} s after a ${s.accept_warmup_seconds} s warm-up that is not
  counted; requests/s = requests answered / ${s.accept_seconds} s; p50 and p99 are autocannon's.
- **worker drain**: ${s.drain_jobs} jobs queued through the target's own API (ROLE=api, then stopped),
  then ROLE=worker started (one process for both): mails/s = ${s.drain_jobs} / the time from its
  spawn until the sink counted the last. That time includes the boot; the time to the first
  mail is shown on its own, and CPU and allocation per mail count from the first mail to the
  last.
- **end to end**: the default start (no ROLE), a warm-up burst of ${s.e2e_warmup_mails} mails, then ${s.e2e_runs} bursts of
  ${s.e2e_mails} POSTs, each timed from its first POST until its last mail reached the sink.
- **webhooks**: the end-to-end scenario (the same start, body, warm-up and bursts, mails/s
  timed the same way) run without and with a webhook. With it, the bench notes the events
  the receiver had when each burst's last mail reached the sink, then waits until it has
  one per mail of the burst: the time from the last mail until then is shown, and an event
  still missing ${s.webhook_drain_seconds} s after the last mail fails the run. The warm-up's events are waited
  for the same way, so each burst starts with none pending. CPU and allocation per mail
  count from before the burst until after that wait (with the webhook, they include
  delivering the events). Target: the median of the rounds' with/without ratios of mails/s.
- **CPU**: utime + stime + cutime + cstime from \`/proc/<pid>/stat\` of the started process and
  every descendant (found by parent pid in \`/proc/*/stat\`), read before and after the measured
  part, over the requests or mails. All threads count (GC helpers too), and a child that
  exited meanwhile counts through its parent's cutime and cstime.
- **allocated KB**: bytes allocated on V8's heap, from a preload
  ([bench/alloc.preload.js](../bench/alloc.preload.js)) that every node process of the tree
  loads through NODE_OPTIONS: it reads V8's used heap size before and after every GC
  (\`v8.GCProfiler\`) and sums the growth between GCs. Off-heap memory (Buffers' contents) is
  not in it. It is on in every round: with and without it, 4 alternating accept rounds each
  gave the same CPU per request within the noise.
- **RSS**: the sum of VmRSS over the tree after each end-to-end burst (pages that two
  processes share, such as the node binary's code, count once per process).

\`npm run bench\` reads BENCH_ROUNDS (default 4), BENCH_SECONDS (accept, default 5),
BENCH_DRAIN_JOBS (default 4000), BENCH_E2E_MAILS (default 2000) and WORKER_CONCURRENCY
(default 16, the service's default) from the environment, and also writes every round's
figures to \`bench/results.json\` (not committed). BENCH_ONLY (say \`webhooks\` or
\`accept,e2e\`; default all of accept, drain, e2e, webhooks) runs some scenarios only, as a
check: it prints their figures and writes \`bench/results.json\`, but leaves this page alone.
`;
}
