/** The webhook scenario's table and target: the service with a webhook against without. */
import { E2E_MAILS } from './load';
import { median, medianRatioSpread, roundRatios, spread } from './stats';
import { WebhookRound, WebhookVariant } from './webhooks';

interface Row {
  label: string;
  values: (variant: WebhookVariant) => number[];
  digits?: number;
  /** False for a count or a time that only one side has. */
  ratio?: false;
}

const ROWS: Row[] = [
  {
    label: `mails/s (default start, ${E2E_MAILS} POSTs until all reached the sink)`,
    values: (v) => v.mailsPerSecond,
  },
  {
    label: 'CPU µs per mail, all processes (with: delivering its event too)',
    values: (v) => v.cpuUs,
  },
  { label: 'allocated KB per mail', values: (v) => v.allocKb, digits: 1 },
  {
    label: 'events at the receiver when the last mail reached the sink',
    values: (v) => v.eventsAtLastMail,
    ratio: false,
  },
  {
    label: `events at the receiver after the drain (one per mail: ${E2E_MAILS})`,
    values: (v) => v.events,
    ratio: false,
  },
  {
    label: 's from the last mail until the receiver had every event',
    values: (v) => v.drainSeconds,
    digits: 2,
    ratio: false,
  },
];

/** A row's values by round, without and with the webhook. */
const byRound = (rounds: WebhookRound[], row: Row): [number[][], number[][]] => [
  rounds.map((r) => row.values(r.without)),
  rounds.map((r) => row.values(r.webhook)),
];

const cell = (values: number[], digits?: number): string =>
  values.length ? spread(values, digits) : '–';

export function webhookTable(rounds: WebhookRound[]): string {
  const header = [
    'webhooks, service only: median (min–max)',
    'without',
    'with a webhook',
    'with/without (median of rounds)',
  ];
  const rows = ROWS.map((row) => {
    const [without, webhook] = byRound(rounds, row);
    return [
      row.label,
      cell(without.flat(), row.digits),
      cell(webhook.flat(), row.digits),
      row.ratio === false ? '' : medianRatioSpread(webhook, without),
    ];
  });
  const line = (row: string[]): string => `| ${row.join(' | ')} |`;
  return [line(header), `|${' --- |'.repeat(header.length)}`, ...rows.map(line)].join('\n');
}

/** Mails/s with over without: the median of the rounds' ratios. */
export function webhookRatio(rounds: WebhookRound[]): number {
  const [without, webhook] = byRound(rounds, ROWS[0]);
  return median(roundRatios(webhook, without));
}

/** The webhooks' acceptance line, with whether this run met it. */
export function webhookTarget(rounds: WebhookRound[]): [string, boolean] {
  const ratio = webhookRatio(rounds);
  return [
    `sending with a webhook configured ≥ 0.90× without (end-to-end mails/s, median of the rounds' ratios): ${ratio.toFixed(2)}×`,
    ratio >= 0.9,
  ];
}
