/**
 * npm run bench: the service against the hand-written baseline (bench/baseline.ts) in three
 * scenarios (accept, worker drain, end to end), ROUNDS rounds, the two taking turns within
 * each scenario and swapping who goes first every round, on a private redis-server and a
 * counting SMTP sink. Prints the table and the targets; writes bench/results.json and
 * docs/benchmarks.md.
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
  ROUNDS,
  WARMUP_SECONDS,
} from './load';
import { markdown } from './markdown';
import { TargetRounds } from './figures';
import { Result, refused, table, targetLines } from './report';
import { othersLoad } from './proc-tree';
import { Rig, runBench } from './rig';
import { accept, drain, endToEnd } from './scenarios';
import { BASELINE, ROOT, SERVICE, Target, WORKER_CONCURRENCY } from './targets';

/** `npm run bench`, with the variables that changed its settings. */
const invocation = (): string =>
  [
    ...[
      'BENCH_ROUNDS',
      'BENCH_SECONDS',
      'BENCH_DRAIN_JOBS',
      'BENCH_E2E_MAILS',
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
  for (let round = 1; round <= ROUNDS; round++) {
    const order: [Target, TargetRounds][] = [
      [SERVICE, service],
      [BASELINE, baseline],
    ];
    if (round % 2 === 0) order.reverse();
    /** One scenario for both, one after the other. */
    const both = async (
      scenario: string,
      measure: (target: Target, rounds: TargetRounds) => Promise<void>,
    ): Promise<void> => {
      for (const [target, rounds] of order) {
        progress(`round ${round} of ${ROUNDS}: ${scenario}, ${target.name}`);
        await measure(target, rounds);
      }
    };
    await both(
      'accept',
      async (target, rounds) => void rounds.accept.push(await accept(rig, target)),
    );
    await both(
      'worker drain',
      async (target, rounds) => void rounds.drain.push(await drain(rig, target)),
    );
    await both(
      'end to end',
      async (target, rounds) => void rounds.e2e.push(await endToEnd(rig, target)),
    );
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
    },
    minutes: (performance.now() - started) / 60_000,
    otherCores: others(),
    invocation: invocation(),
    service,
    baseline,
  };
  process.stdout.write(
    `\n${table(result)}\n\n${refused(result)}\n${result.machine}\n\n${targetLines(result)}\n`,
  );
  writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(ROOT, 'docs', 'benchmarks.md'), markdown(result));
}

runBench('bench', main);
