/**
 * npm run bench: the service against the hand-written baseline (bench/baseline.ts) in three
 * scenarios (accept, worker drain, end to end), ROUNDS rounds, the two taking turns within
 * each scenario and swapping who goes first every round, on a private redis-server and a
 * counting SMTP sink; then the service alone end to end without and with a webhook
 * (bench/webhooks.ts), in the same rounds. Prints the tables and the targets; writes
 * bench/results.json and, when every scenario ran (no BENCH_ONLY), docs/benchmarks.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  ACCEPT_SECONDS,
  DRAIN_JOBS,
  E2E_MAILS,
  E2E_RUNS,
  E2E_WARMUP_MAILS,
  ONLY,
  ROUNDS,
  SCENARIOS,
  Scenario,
  WARMUP_SECONDS,
} from './load';
import { markdown } from './markdown';
import { TargetRounds } from './figures';
import { Result, refused, table, targetLines } from './report';
import { othersLoad } from './proc-tree';
import { Rig, runBench } from './rig';
import { accept, drain, endToEnd } from './scenarios';
import { BASELINE, ROOT, SERVICE, Target, WORKER_CONCURRENCY } from './targets';
import { webhookTable } from './webhook-report';
import { WEBHOOK_DRAIN_SECONDS, WebhookRound, webhookRound } from './webhooks';

/** `npm run bench`, with the variables that changed its settings. */
const invocation = (): string =>
  [
    ...[
      'BENCH_ROUNDS',
      'BENCH_SECONDS',
      'BENCH_DRAIN_JOBS',
      'BENCH_E2E_MAILS',
      'BENCH_ONLY',
      'WORKER_CONCURRENCY',
    ]
      .filter((name) => process.env[name])
      .map((name) => `${name}=${process.env[name]}`),
    'npm run bench',
  ].join(' ');

const progress = (line: string): void => void process.stderr.write(`\r\x1b[2K${line}`);

async function main(rig: Rig): Promise<void> {
  const started = performance.now();
  const others = othersLoad(process.pid);
  const service: TargetRounds = { accept: [], drain: [], e2e: [] };
  const baseline: TargetRounds = { accept: [], drain: [], e2e: [] };
  const webhooks: WebhookRound[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const order: [Target, TargetRounds][] = [
      [SERVICE, service],
      [BASELINE, baseline],
    ];
    if (round % 2 === 0) order.reverse();
    /** One scenario for both, one after the other (unless BENCH_ONLY leaves it out). */
    const both = async (
      scenario: Scenario,
      label: string,
      measure: (target: Target, rounds: TargetRounds) => Promise<void>,
    ): Promise<void> => {
      if (!ONLY.includes(scenario)) return;
      for (const [target, rounds] of order) {
        progress(`round ${round} of ${ROUNDS}: ${label}, ${target.name}`);
        await measure(target, rounds);
      }
    };
    await both(
      'accept',
      'accept',
      async (target, rounds) => void rounds.accept.push(await accept(rig, target)),
    );
    await both(
      'drain',
      'worker drain',
      async (target, rounds) => void rounds.drain.push(await drain(rig, target)),
    );
    await both(
      'e2e',
      'end to end',
      async (target, rounds) => void rounds.e2e.push(await endToEnd(rig, target)),
    );
    if (ONLY.includes('webhooks')) {
      const which = (variant: string): void =>
        progress(`round ${round} of ${ROUNDS}: webhooks, service ${variant}`);
      webhooks.push(await webhookRound(rig, rig.receiver!, round, which));
    }
  }
  progress('');
  const result: Result = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    command: `node ${SERVICE.command.join(' ')}`,
    settings: {
      rounds: ROUNDS,
      worker_concurrency: WORKER_CONCURRENCY,
      accept_seconds: ACCEPT_SECONDS,
      accept_warmup_seconds: WARMUP_SECONDS,
      drain_jobs: DRAIN_JOBS,
      e2e_mails: E2E_MAILS,
      e2e_runs: E2E_RUNS,
      e2e_warmup_mails: E2E_WARMUP_MAILS,
      webhook_drain_seconds: WEBHOOK_DRAIN_SECONDS,
      scenarios: ONLY.join(','),
    },
    minutes: (performance.now() - started) / 60_000,
    otherCores: others(),
    invocation: invocation(),
    service,
    baseline,
    webhooks,
  };
  const ran = (scenario: Scenario): boolean => ONLY.includes(scenario);
  process.stdout.write(
    [
      '',
      ...(ran('accept') || ran('drain') || ran('e2e') ? [table(result), ''] : []),
      ...(ran('accept') ? [refused(result), ''] : []),
      ...(ran('webhooks') ? [webhookTable(webhooks), ''] : []),
      result.machine,
      `other processes kept ${result.otherCores.toFixed(2)} cores busy on average`,
      '',
      targetLines(result),
      '',
    ].join('\n'),
  );
  writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  // A check of some scenarios leaves the last full run's report alone.
  if (SCENARIOS.every(ran)) writeFileSync(join(ROOT, 'docs', 'benchmarks.md'), markdown(result));
  else process.stderr.write('BENCH_ONLY: docs/benchmarks.md left as it was\n');
}

runBench('bench', main, { receiver: ONLY.includes('webhooks') });
