import { TargetRounds } from './figures';
import { Result, targets } from './report';

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

const result = (service: TargetRounds, baseline: TargetRounds): Result => ({
  date: '',
  machine: '',
  command: '',
  otherCores: 0,
  invocation: '',
  settings: {},
  minutes: 0,
  service,
  baseline,
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
