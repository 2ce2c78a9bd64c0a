/**
 * The end-to-end load of `npm run bench:profile`: bursts of E2E_MAILS POSTs, with the CPU the
 * server's process, its main thread and the whole machine spent per mail, and how fast mails
 * reached the sink while the POSTs were still being answered and after the last answer.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { E2E_MAILS, E2E_RUNS, Phase, burst } from './load';
import { CountingSink } from './sink';
import { machineBusyUs, sampleTree } from './proc-tree';
import { Running } from './launch';

export interface EndToEndLoad {
  mails: number;
  /** CPU µs per mail: all of the server's processes and threads (GC helpers included), then its main thread. */
  processUs: number;
  mainThreadUs: number;
  /** Cores of the machine busy on average, whoever used them (Redis, the sink, autocannon too). */
  machineCores: number;
  whilePosting: Phase;
  afterPosting: Phase;
}

/** Linux counts CPU time in USER_HZ ticks of 10 ms. */
const TICK_US = 10_000;

/** utime + stime of /proc/<path>/stat (here: one thread) in µs. */
function cpuUs(path: string): number {
  const fields = readFileSync(`/proc/${path}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

/** E2E_RUNS bursts on a server that is already warm, with what they cost. */
export async function endToEndLoad(
  { url, child }: Running,
  sink: CountingSink,
): Promise<EndToEndLoad> {
  const pid = String(child.pid);
  const read = (): number[] => [
    sampleTree(child.pid!).cpuUs,
    cpuUs(`${pid}/task/${pid}`),
    machineBusyUs(),
    performance.now(),
  ];
  const start = read();
  const whilePosting: Phase = { mails: 0, seconds: 0 };
  let seconds = 0;
  for (let run = 0; run < E2E_RUNS; run++) {
    const measured = await burst(url, sink);
    seconds += measured.seconds;
    whilePosting.mails += measured.whilePosting.mails;
    whilePosting.seconds += measured.whilePosting.seconds;
  }
  const [processUs, mainThreadUs, machineUs, wallMs] = read().map((value, i) => value - start[i]);
  const mails = E2E_RUNS * E2E_MAILS;
  return {
    mails,
    processUs: processUs / mails,
    mainThreadUs: mainThreadUs / mails,
    machineCores: machineUs / (wallMs * 1000),
    whilePosting,
    afterPosting: { mails: mails - whilePosting.mails, seconds: seconds - whilePosting.seconds },
  };
}
