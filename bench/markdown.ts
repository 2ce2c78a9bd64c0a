/** docs/benchmarks.md: one run's table, how it was measured, and the targets it met. */
import { CONNECTIONS } from './load';
import { Result, refused, table, targetLines } from './report';

export function markdown(result: Result): string {
  const s = result.settings;
  return `# Benchmarks

Written by \`npm run bench\` on ${result.date.slice(0, 10)} (${result.minutes.toFixed(1)} minutes of
measuring after \`nest build\`): ${result.machine}. Every figure is from this one run: the
median of its rounds (or bursts) with the lowest and highest in brackets; a ratio is
service/baseline of the medians, with the lowest and highest ratio of a single round (the two
measured back to back) in brackets. Lower is better for latency, CPU, allocation and RSS.

${table(result)}

${refused(result)}.

## Targets (issue 17)

${targetLines(result)}

## What is compared

- **service**: \`${result.command}\` (package.json's start:prod, the Docker image's command),
  started directly, not through npm. Every feature on: API key auth, validation, status
  records, \`LOG_LEVEL=info\` (JSON lines to stdout, which the bench discards), metrics, rate
  limits (\`RATE_LIMIT_PER_MINUTE=1000000\`: on, but never reached), \`NODE_ENV=production\`.
- **baseline**: [bench/baseline.ts](../bench/baseline.ts), what a competent engineer writes by
  hand: Express + Bull + nodemailer's pool (maxConnections = WORKER_CONCURRENCY), an API-key
  check (X-API-Key or Bearer; SHA-256 digests compared with \`crypto.timingSafeEqual\`),
  minimal validation (required fields and types, a simple address check; 400 JSON), Bull's
  retries (5 attempts, exponential backoff from 2 s), the service's retention of finished
  jobs, \`GET /send-email/:id\` from Bull's job state, and the same ROLE split (api, worker,
  or both in one process). No request logs, metrics, rate limits or status records. Compiled
  to JavaScript and run with plain \`node\`, \`NODE_ENV=production\`.
- Both: WORKER_CONCURRENCY=${s.worker_concurrency}, the same request body (a text + HTML mail,
  JSON), the same private \`redis-server\` (emptied before each start) and the same counting
  SMTP sink (a process of its own).

## How each figure is measured

${s.rounds} rounds; in each, every scenario runs the service and the baseline back to back,
on fresh processes, and who goes first alternates from round to round.

- **accept**: ROLE=api. autocannon, ${CONNECTIONS} connections, POSTs for ${s.accept_seconds} s
  after a ${s.accept_warmup_seconds} s warm-up that is not counted. requests/s = requests
  answered / ${s.accept_seconds} s; p50 and p99 are autocannon's.
- **worker drain**: ${s.drain_jobs} jobs queued through the target's own API (ROLE=api, then
  stopped), then ROLE=worker started: mails/s = ${s.drain_jobs} / the time from its spawn
  until the sink counted the last. The boot is in that time; the time to the first mail is
  shown apart, and CPU and allocation per mail are counted from the first mail to the last.
- **end to end**: the default start (no ROLE), a warm-up burst of ${s.e2e_warmup_mails} mails,
  then ${s.e2e_runs} bursts of ${s.e2e_mails} POSTs (${CONNECTIONS} connections), each timed from its
  first POST until its last mail reached the sink; RSS read after each burst.
- **CPU**: utime + stime + cutime + cstime from \`/proc/<pid>/stat\` of the started process and
  every descendant (found by scanning \`/proc/*/stat\` for parent pids), read before and after
  the measured part, divided by the requests or mails. All threads count (GC helpers
  included), and a child that exited meanwhile counts through its parent's cutime/cstime.
- **allocated KB**: bytes allocated on V8's heap, from a preload
  ([bench/alloc.preload.js](../bench/alloc.preload.js), given to every node process of the
  tree through NODE_OPTIONS) that reads V8's used heap size before and after every GC
  (\`v8.GCProfiler\`): allocation = the growth of the used heap between GCs, summed. Off-heap
  memory (Buffers) is not in it. The preload is on in every round; it adds a few dozen µs
  per GC.
- **RSS**: the sum of VmRSS over the tree, after each end-to-end burst (pages shared by two
  processes, such as the node binary's code, count once per process).

\`npm run bench\` takes BENCH_ROUNDS (rounds, default 4), BENCH_SECONDS (accept, default 5),
BENCH_DRAIN_JOBS (default 4000), BENCH_E2E_MAILS (default 2000) and WORKER_CONCURRENCY
(default 16, the service's default) from the environment. Raw figures of the run:
\`bench/results.json\` (not committed).
`;
}
