/**
 * The three scenarios, one round each for one target, with the CPU and the V8 allocation of
 * the target's whole process tree over the measured part:
 * - accept: ROLE=api, autocannon at 32 connections after a warm-up;
 * - drain: a queue pre-filled through the target's own API (ROLE=api, then stopped), then
 *   ROLE=worker started: time from its start until the sink has counted every job;
 * - end to end: the default start (no ROLE), a warm-up burst, then bursts of POSTs each
 *   timed until the last mail reached the sink, with the tree's RSS after each.
 */
import { performance } from 'node:perf_hooks';
import { Allocated, allocatedBetween } from './alloc';
import {
  ACCEPT_SECONDS,
  DRAIN_JOBS,
  E2E_MAILS,
  E2E_RUNS,
  E2E_WARMUP_MAILS,
  WARMUP_SECONDS,
  burst,
  post,
  postAll,
} from './load';
import { sampleTree, treeRssMb } from './proc-tree';
import { Rig, flush, startOn, withTarget } from './rig';
import { Running, stop } from './launch';
import { Target } from './targets';

/** Per request (accept) or per mail, over all of the target's processes. */
export interface Cost {
  cpuUs: number;
  allocKb: number;
}

export interface AcceptRound extends Cost {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export interface DrainRound extends Cost {
  /** DRAIN_JOBS over the time from the worker's start until the last reached the sink. */
  mailsPerSecond: number;
  /** From the worker's start until its first mail reached the sink (the boot, mostly). */
  firstMailSeconds: number;
}

export interface EndToEndRound {
  /** One figure per burst. */
  mailsPerSecond: number[];
  cpuUs: number[];
  allocKb: number[];
  rssMb: number[];
  processes: number;
}

interface Reading {
  cpuUs: number;
  alloc: Allocated;
}

export async function read({ child, alloc }: Running): Promise<Reading> {
  const tree = sampleTree(child.pid!);
  return { cpuUs: tree.cpuUs, alloc: await alloc!.read(tree.pids) };
}

export const costPer = (before: Reading, after: Reading, units: number): Cost => ({
  cpuUs: (after.cpuUs - before.cpuUs) / units,
  allocKb: allocatedBetween(before.alloc, after.alloc) / 1024 / units,
});

/** After the last mail: lets the worker record the sends it just finished before the reading. */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 200));

export const accept = (rig: Rig, target: Target): Promise<AcceptRound> =>
  withTarget(rig, target, { role: 'api', alloc: true }, async (running) => {
    await post(running.url, { duration: WARMUP_SECONDS });
    const before = await read(running);
    const result = await post(running.url, { duration: ACCEPT_SECONDS });
    const after = await read(running);
    return {
      rps: result.requests.total / ACCEPT_SECONDS,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.non2xx + result.errors,
      ...costPer(before, after, result.requests.total),
    };
  });

export async function drain(rig: Rig, target: Target): Promise<DrainRound> {
  await flush(rig);
  const api = await startOn(rig, target, { role: 'api' });
  await postAll(api.url, DRAIN_JOBS).finally(() => stop(api));
  const goal = (await rig.sink.count()) + DRAIN_JOBS;
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  const worker = await startOn(rig, target, { role: 'worker', alloc: true });
  try {
    await rig.sink.reached(goal - DRAIN_JOBS + 1);
    const firstMailSeconds = seconds();
    const first = await read(worker);
    const left = goal - (await rig.sink.count());
    await rig.sink.reached(goal);
    const mailsPerSecond = DRAIN_JOBS / seconds();
    await settle();
    return { mailsPerSecond, firstMailSeconds, ...costPer(first, await read(worker), left) };
  } finally {
    await stop(worker);
  }
}

export const endToEnd = (rig: Rig, target: Target): Promise<EndToEndRound> =>
  withTarget(rig, target, { alloc: true }, async (running) => {
    await burst(running.url, rig.sink, E2E_WARMUP_MAILS);
    const round: EndToEndRound = {
      mailsPerSecond: [],
      cpuUs: [],
      allocKb: [],
      rssMb: [],
      processes: 0,
    };
    for (let run = 0; run < E2E_RUNS; run++) {
      const before = await read(running);
      const { seconds } = await burst(running.url, rig.sink);
      await settle();
      const { cpuUs, allocKb } = costPer(before, await read(running), E2E_MAILS);
      round.mailsPerSecond.push(E2E_MAILS / seconds);
      round.cpuUs.push(cpuUs);
      round.allocKb.push(allocKb);
      round.rssMb.push(treeRssMb(running.child.pid!));
    }
    round.processes = sampleTree(running.child.pid!).pids.length;
    return round;
  });
