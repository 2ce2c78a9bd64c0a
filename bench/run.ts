/**
 * npm run bench: the service against a hand-written baseline (bench/baseline.ts) and the
 * ceiling (raw Bull adds; nodemailer's pool straight into the sink), measured in one run on a
 * private redis-server and a counting SMTP sink. Prints a table, writes bench/results.json
 * and docs/benchmarks.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Accept, accept, ceiling, endToEnd, EndToEnd, ROUNDS } from './measure';
import { Figures, floorLine, markdown, median, Result, table, targets } from './report';
import {
  BASELINE,
  NEST_FLOOR,
  ROOT,
  Rig,
  SERVICE,
  Target,
  runBench,
  withTarget,
  withTargets,
} from './targets';

const progress = (line: string): void => void process.stderr.write(`\r\x1b[2K${line}`);

const summarize = (rounds: Accept[]): Accept => ({
  rps: median(rounds.map((r) => r.rps)),
  p50: median(rounds.map((r) => r.p50)),
  p99: median(rounds.map((r) => r.p99)),
  errors: rounds.reduce((sum, r) => sum + r.errors, 0),
});

async function main({ redis, sink }: Rig): Promise<void> {
  const rounds = new Map<Target, Accept[]>([
    [SERVICE, []],
    [BASELINE, []],
    [NEST_FLOOR, []],
  ]);
  // Alternating rounds, so that a slow moment of the machine does not favour one side.
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [target, results] of rounds) {
      progress(`accept path, round ${round} of ${ROUNDS}: ${target.name}`);
      results.push(await withTarget(target, redis.url, sink.port, accept));
    }
  }
  const pair = [SERVICE, BASELINE];
  const bursts = await withTargets(pair, redis.url, sink.port, (running) =>
    endToEnd(running, sink, (i, run) => progress(`end to end: burst ${run}, ${pair[i].name}`)),
  );
  const e2e = new Map<Target, EndToEnd>(pair.map((target, i) => [target, bursts[i]]));
  progress('ceiling: raw queue.add() and nodemailer into the sink');
  const top = await ceiling(redis.url, sink);
  progress('');
  const figures = (target: Target): Figures => ({
    accept: summarize(rounds.get(target)!),
    acceptRounds: rounds.get(target)!.map((r) => r.rps),
    e2e: e2e.get(target)!,
  });
  const result: Result = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    command: `node ${SERVICE.command.join(' ')}`,
    service: figures(SERVICE),
    baseline: figures(BASELINE),
    nestFloor: summarize(rounds.get(NEST_FLOOR)!),
    ceiling: top,
  };
  process.stdout.write(
    `\n${table(result)}\n\n${floorLine(result)}\n\n${result.machine}\n\n${targets(result)}\n`,
  );
  writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(ROOT, 'docs', 'benchmarks.md'), markdown(result));
}

runBench('bench', main);
