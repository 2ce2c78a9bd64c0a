/** The table, the target checks and docs/benchmarks.md. */
import {
  Accept,
  ACCEPT_SECONDS,
  CONNECTIONS,
  E2E_MAILS,
  E2E_RUNS,
  EndToEnd,
  ROUNDS,
  WARMUP_SECONDS,
} from './measure';

export interface Figures {
  accept: Accept;
  acceptRounds: number[];
  e2e: EndToEnd;
}

export interface Result {
  date: string;
  machine: string;
  command: string;
  service: Figures;
  baseline: Figures;
  nestFloor: Accept;
  ceiling: { addsPerSecond: number; mailsPerSecond: number };
}

export const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

export function targets({ service, baseline }: Result): string {
  const e2e = median(service.e2e.mailsPerSecond);
  const rss = service.e2e.rssMb;
  const rows: [string, boolean][] = [
    ['accept throughput ≥ 1.0× the baseline', service.accept.rps >= baseline.accept.rps],
    ['accept p99 < 20 ms at 32 connections', service.accept.p99 < 20],
    ['end-to-end delivery ≥ 1.5× the baseline', e2e >= 1.5 * median(baseline.e2e.mailsPerSecond)],
    ['RSS after 2,000 mails < 150 MB', rss[0] < 150],
    ['no RSS growth across three runs (within 5 %)', Math.max(...rss) <= rss[0] * 1.05],
  ];
  return rows.map(([what, met]) => `- ${met ? 'met' : '**not met**'}: ${what}`).join('\n');
}

export function table({ service, baseline, ceiling }: Result): string {
  const [s, b] = [median(service.e2e.mailsPerSecond), median(baseline.e2e.mailsPerSecond)];
  const rows = [
    ['', 'service', 'baseline', 'ceiling', 'service/baseline', 'service/ceiling'],
    [
      `accept: requests/s (${CONNECTIONS} conn., median)`,
      service.accept.rps,
      baseline.accept.rps,
      ceiling.addsPerSecond,
      ratio(service.accept.rps, baseline.accept.rps),
      ratio(service.accept.rps, ceiling.addsPerSecond),
    ],
    ['accept: each round', service.acceptRounds.join(' / '), baseline.acceptRounds.join(' / ')],
    ['accept: p50 latency (ms)', service.accept.p50, baseline.accept.p50],
    ['accept: p99 latency (ms)', service.accept.p99, baseline.accept.p99],
    ['accept: non-2xx or errors', service.accept.errors, baseline.accept.errors],
    [
      `end to end: mails/s (${E2E_MAILS}, median)`,
      s,
      b,
      ceiling.mailsPerSecond,
      ratio(s, b),
      ratio(s, ceiling.mailsPerSecond),
    ],
    [
      'end to end: each run',
      service.e2e.mailsPerSecond.join(' / '),
      baseline.e2e.mailsPerSecond.join(' / '),
    ],
    [
      `RSS after each of ${E2E_RUNS} runs (MB)`,
      service.e2e.rssMb.join(' / '),
      baseline.e2e.rssMb.join(' / '),
    ],
  ];
  const width = rows[0].length;
  const line = (row: unknown[]): string =>
    `| ${[...row, ...Array<string>(width - row.length).fill('')].join(' | ')} |`;
  return [line(rows[0]), `|${' --- |'.repeat(width)}`, ...rows.slice(1).map(line)].join('\n');
}

/** The framework alone against the baseline, and what the service's features cost on top. */
export const floorLine = ({ service, baseline, nestFloor }: Result): string =>
  `Nest floor (bench/nest-floor.ts: Nest + Bull, one route, none of the service's work): ` +
  `${nestFloor.rps} requests/s, p99 ${nestFloor.p99} ms: ${ratio(nestFloor.rps, baseline.accept.rps)} ` +
  `the baseline; the service does ${ratio(service.accept.rps, nestFloor.rps)} the floor.`;

export function markdown(result: Result): string {
  return `# Benchmarks

Measured with \`npm run bench\` on ${result.date.slice(0, 10)}: ${result.machine}.
Private redis-server, counting SMTP sink, seed-shaped text+HTML mail, logging on (info).

${table(result)}

${floorLine(result)}

- **service**: \`${result.command}\` (package.json's start:prod, as in the Dockerfile), ROLE=all, defaults but RATE_LIMIT_PER_MINUTE=0.
- **baseline**: bench/baseline.ts, Express + Bull (defaults: one job at a time) + pooled nodemailer, no auth, validation, status records or logs; run with ts-node, so its RSS includes the TypeScript compiler.
- **ceiling**: raw \`queue.add()\` from ${CONNECTIONS} concurrent loops; nodemailer's pool (16 connections) straight into the sink.
- accept: autocannon, ${CONNECTIONS} connections, ${ACCEPT_SECONDS} s after a ${WARMUP_SECONDS} s warm-up; ${ROUNDS} rounds alternating the service, the baseline and the Nest floor, each on a fresh process; medians are shown.
- end to end: the service and the baseline run side by side and take turns: a warm-up burst each, then ${E2E_RUNS} bursts of ${E2E_MAILS} POSTs each, alternating, on one process each; time from the first POST until the last mail reached the sink; RSS read after each burst.

## Targets

${targets(result)}

Where the time goes, what each optimisation bought and why the accept targets are out of
reach on this machine: [performance.md](performance.md); CPU per request and per mail by
layer (\`npm run bench:profile\`): [profile.md](profile.md).
`;
}
