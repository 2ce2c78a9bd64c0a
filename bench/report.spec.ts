import { TargetRounds } from './figures';
import { Result, targets } from './report';
import { WebhookRound, WebhookVariant } from './webhooks';

/** One round of every scenario, with the figures given and the rest at 1. */
function rounds(figures: {
  rps: number;
  p99: number;
  drain: number;
  e2e: number;
  cpu: number;
  rss: number[];
}): TargetRounds {
  return {
    accept: [{ rps: figures.rps, p50: 1, p99: figures.p99, errors: 0, cpuUs: 1, allocKb: 1 }],
    drain: [{ mailsPerSecond: figures.drain, firstMailSeconds: 1, cpuUs: 1, allocKb: 1 }],
    e2e: [
      {
        mailsPerSecond: [figures.e2e],
        cpuUs: [figures.cpu],
        allocKb: [1],
        rssMb: figures.rss,
        processes: 1,
      },
    ],
  };
}

const result = (
  service: TargetRounds,
  baseline: TargetRounds,
  webhooks: WebhookRound[] = [],
): Result => ({
  date: '',
  machine: '',
  command: '',
  otherCores: 0,
  invocation: '',
  settings: {},
  minutes: 0,
  service,
  baseline,
  webhooks,
});

const baseline = rounds({
  rps: 1000,
  p99: 30,
  drain: 800,
  e2e: 500,
  cpu: 1600,
  rss: [120, 120, 120],
});

it('meets every target when the service is faster, leaner and flat', () => {
  const service = rounds({
    rps: 1000,
    p99: 30,
    drain: 800,
    e2e: 750,
    cpu: 2000,
    rss: [200, 205, 209],
  });
  expect(targets(result(service, baseline)).map(([, met]) => met)).toEqual(Array(7).fill(true));
});

it('misses each target just past its bound', () => {
  const service = rounds({
    rps: 999,
    p99: 31,
    drain: 799,
    e2e: 749,
    cpu: 2001,
    rss: [299, 299, 314],
  });
  const checks = targets(result(service, baseline));
  expect(checks.map(([, met]) => met)).toEqual([false, false, false, false, false, false, false]);
  expect(checks[0][0]).toContain('1.00×');
});

describe('the webhooks target', () => {
  const variant = (mailsPerSecond: number[]): WebhookVariant => ({
    mailsPerSecond,
    cpuUs: [1],
    allocKb: [1],
    eventsAtLastMail: [1],
    events: [1],
    drainSeconds: [1],
  });
  const round = (without: number[], webhook: number[]): WebhookRound => ({
    without: variant(without),
    webhook: variant(webhook),
    first: 'without',
  });
  const none: TargetRounds = { accept: [], drain: [], e2e: [] };
  const check = (...rounds: WebhookRound[]): [string, boolean][] =>
    targets(result(none, none, rounds));

  it('is the only target of a run of the webhook scenario alone', () => {
    expect(check(round([1000], [900]))).toEqual([
      [expect.stringContaining('with a webhook configured ≥ 0.90× without'), true],
    ]);
  });

  it('takes the median of the rounds’ ratios of their burst medians', () => {
    // Rounds: 880/1000 = 0.88, 950/1000 = 0.95, 600/1000 = 0.6: median 0.88.
    const [[what, met]] = check(
      round([1000, 990, 1010], [870, 880, 890]),
      round([1000], [950]),
      round([1000], [600]),
    );
    expect([what.endsWith(': 0.88×'), met]).toEqual([true, false]);
  });

  it('comes after issue 17’s targets in a full run', () => {
    const all = targets(result(baseline, baseline, [round([1000], [1000])]));
    expect(all).toHaveLength(8);
    expect(all[7][0]).toContain('webhook');
  });
});
