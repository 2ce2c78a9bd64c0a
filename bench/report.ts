/**
 * The bench's table and the checks of issue 17's targets and the webhooks' acceptance line,
 * from the rounds of one run (of the scenarios that ran: BENCH_ONLY may leave some out).
 */
import { FIGURES, Figure, TargetRounds } from './figures';
import { median, ratioSpread, spread } from './stats';
import { webhookTarget } from './webhook-report';
import { WebhookRound } from './webhooks';

export interface Result {
  date: string;
  machine: string;
  /** How the service was started. */
  command: string;
  settings: Record<string, number | string>;
  minutes: number;
  /** Cores that processes other than the bench's kept busy during the run, on average. */
  otherCores: number;
  /** The command line that ran it. */
  invocation: string;
  service: TargetRounds;
  baseline: TargetRounds;
  /** The service only, without and with a webhook. */
  webhooks: WebhookRound[];
}

type Name = keyof typeof FIGURES;

const of = (t: TargetRounds, name: Name): number => median(FIGURES[name].values(t).flat());
const ratioOf = (r: Result, name: Name): number => of(r.service, name) / of(r.baseline, name);

export function table(result: Result): string {
  const ran = Object.values(FIGURES).filter(
    (figure: Figure) => figure.values(result.service).length,
  );
  const rows = ran.map((figure: Figure) => {
    const [s, b] = [figure.values(result.service), figure.values(result.baseline)];
    return [
      figure.label,
      spread(s.flat(), figure.digits),
      spread(b.flat(), figure.digits),
      figure.ratio === false ? '' : ratioSpread(s, b),
    ];
  });
  const header = ['median (min–max)', 'service', 'baseline', 'service/baseline (rounds)'];
  const line = (row: string[]): string => `| ${row.join(' | ')} |`;
  return [line(header), `|${' --- |'.repeat(header.length)}`, ...rows.map(line)].join('\n');
}

/** RSS growth from the first to the third run, per round of the service. */
const growth = (t: TargetRounds): number[] => t.e2e.map((r) => r.rssMb[2] / r.rssMb[0] - 1);

/** Issue 17's targets, then the webhooks', each with whether this run met it. */
export function targets(result: Result): [string, boolean][] {
  const x = (name: Name): string => `${ratioOf(result, name).toFixed(2)}×`;
  const maxRss = Math.max(...result.service.e2e.flatMap((r) => r.rssMb));
  const rssGrowth = median(growth(result.service));
  const ran = (scenario: keyof TargetRounds): boolean => result.service[scenario].length > 0;
  const checks: [keyof TargetRounds, string, boolean][] = [
    [
      'accept',
      `accept requests/s ≥ 1.0× the baseline: ${x('acceptRps')}`,
      ratioOf(result, 'acceptRps') >= 1,
    ],
    [
      'accept',
      `accept p99 ≤ 1.0× the baseline's: ${x('acceptP99')}`,
      ratioOf(result, 'acceptP99') <= 1,
    ],
    [
      'e2e',
      `end-to-end mails/s ≥ 1.5× the baseline: ${x('e2eRate')}`,
      ratioOf(result, 'e2eRate') >= 1.5,
    ],
    [
      'e2e',
      `CPU per mail end to end, all processes, ≤ 1.25× the baseline's: ${x('e2eCpu')}`,
      ratioOf(result, 'e2eCpu') <= 1.25,
    ],
    [
      'drain',
      `worker drain, one process (ROLE=worker), ≥ 1.0× the baseline: ${x('drainRate')}`,
      ratioOf(result, 'drainRate') >= 1,
    ],
    [
      'e2e',
      `RSS of all the service's processes after end to end < 300 MB: at most ${maxRss} MB`,
      maxRss < 300,
    ],
    [
      'e2e',
      `no RSS growth over three runs (run 3 within 5 % of run 1, median of the rounds): ${(rssGrowth * 100).toFixed(1)} %`,
      rssGrowth <= 0.05,
    ],
  ];
  const webhooks = result.webhooks.length ? [webhookTarget(result.webhooks)] : [];
  return [
    ...checks
      .filter(([scenario]) => ran(scenario))
      .map(([, what, met]): [string, boolean] => [what, met]),
    ...webhooks,
  ];
}

export const targetLines = (result: Result): string =>
  targets(result)
    .map(([what, met]) => `- ${met ? 'met' : '**not met**'}: ${what}`)
    .join('\n');

/** Non-2xx answers and socket errors in the accept rounds (nothing should be refused). */
export const refused = ({ service, baseline }: Result): string =>
  `non-2xx answers or errors in the accept rounds: service ${service.accept.reduce((n, r) => n + r.errors, 0)}, ` +
  `baseline ${baseline.accept.reduce((n, r) => n + r.errors, 0)}`;
