/** The figures of the bench's table: what each is called and where its values come from. */
import { CONNECTIONS, DRAIN_JOBS, E2E_MAILS } from './load';
import { AcceptRound, DrainRound, EndToEndRound } from './scenarios';

/** One target's rounds of each scenario. */
export interface TargetRounds {
  accept: AcceptRound[];
  drain: DrainRound[];
  e2e: EndToEndRound[];
}

/** A figure of the table: its values by round (one per round, or one per burst). */
export interface Figure {
  label: string;
  values: (rounds: TargetRounds) => number[][];
  digits?: number;
  /** False for a count that a ratio says nothing about. */
  ratio?: false;
}

const perRound =
  <R>(scenario: (t: TargetRounds) => R[], value: (round: R) => number) =>
  (t: TargetRounds): number[][] =>
    scenario(t).map((round) => [value(round)]);

const accept = (value: (r: AcceptRound) => number): Figure['values'] =>
  perRound((t) => t.accept, value);
const drain = (value: (r: DrainRound) => number): Figure['values'] =>
  perRound((t) => t.drain, value);
const e2e =
  (value: (r: EndToEndRound) => number[]): Figure['values'] =>
  (t) =>
    t.e2e.map(value);

export const FIGURES = {
  acceptRps: {
    label: `accept: requests/s (ROLE=api, ${CONNECTIONS} connections)`,
    values: accept((r) => r.rps),
  },
  acceptP50: { label: 'accept: p50 latency (ms)', values: accept((r) => r.p50), digits: 1 },
  acceptP99: { label: 'accept: p99 latency (ms)', values: accept((r) => r.p99), digits: 1 },
  acceptCpu: { label: 'accept: CPU µs per request, all processes', values: accept((r) => r.cpuUs) },
  acceptAlloc: {
    label: 'accept: allocated KB per request',
    values: accept((r) => r.allocKb),
    digits: 1,
  },
  drainRate: {
    label: `worker drain: mails/s from the worker's start (${DRAIN_JOBS} pre-filled jobs, ROLE=worker)`,
    values: drain((r) => r.mailsPerSecond),
  },
  drainBoot: {
    label: 'worker drain: s from the start to the first mail',
    values: drain((r) => r.firstMailSeconds),
    digits: 2,
  },
  drainCpu: {
    label: 'worker drain: CPU µs per mail, first mail to last',
    values: drain((r) => r.cpuUs),
  },
  drainAlloc: {
    label: 'worker drain: allocated KB per mail',
    values: drain((r) => r.allocKb),
    digits: 1,
  },
  e2eRate: {
    label: `end to end: mails/s (default start, ${E2E_MAILS} POSTs until all reached the sink)`,
    values: e2e((r) => r.mailsPerSecond),
  },
  e2eCpu: { label: 'end to end: CPU µs per mail, all processes', values: e2e((r) => r.cpuUs) },
  e2eAlloc: {
    label: 'end to end: allocated KB per mail',
    values: e2e((r) => r.allocKb),
    digits: 1,
  },
  rss1: {
    label: 'end to end: RSS after run 1, all processes (MB)',
    values: e2e((r) => [r.rssMb[0]]),
  },
  rss2: { label: 'end to end: RSS after run 2 (MB)', values: e2e((r) => [r.rssMb[1]]) },
  rss3: { label: 'end to end: RSS after run 3 (MB)', values: e2e((r) => [r.rssMb[2]]) },
  processes: {
    label: 'end to end: processes in the tree',
    values: e2e((r) => [r.processes]),
    ratio: false,
  },
} satisfies Record<string, Figure>;
