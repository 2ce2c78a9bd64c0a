/**
 * A target's process tree, read from /proc: the process the bench started and every
 * descendant (a supervisor's API and worker children, say), with the CPU they used and their
 * resident memory. Linux only.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface ProcStat {
  pid: number;
  ppid: number;
  /**
   * utime + stime + cutime + cstime in clock ticks: the process's own CPU (all of its
   * threads) plus that of its children that have exited and been waited for, so a child
   * that ends between two readings still counts.
   */
  ticks: number;
}

/** Parses one /proc/<pid>/stat line; the command name may hold spaces and parentheses. */
export function parseStat(line: string): ProcStat {
  const close = line.lastIndexOf(')');
  const pid = Number(line.slice(0, line.indexOf(' ')));
  // After ") ": state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt, majflt,
  // cmajflt, utime, stime, cutime, cstime, … (proc(5), fields 3 onwards).
  const fields = line.slice(close + 2).split(' ');
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return { pid, ppid: Number(fields[1]), ticks: utime + stime + cutime + cstime };
}

/** The root and all of its descendants among `all`, root first. */
export function treeOf(root: number, all: ProcStat[]): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const stat of all) {
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(stat);
    else children.set(stat.ppid, [stat]);
  }
  const top = all.find((stat) => stat.pid === root);
  if (!top) return [];
  const tree = [top];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i].pid) ?? []));
  return tree;
}

/** Reads a /proc file, or undefined when the process has gone meanwhile. */
function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Every process on the machine, as /proc shows it now. */
function allStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const line = readProc(`/proc/${entry}/stat`);
    if (line) stats.push(parseStat(line));
  }
  return stats;
}

/** Clock ticks per second (USER_HZ), the unit of /proc's CPU times. */
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

export interface TreeSample {
  pids: number[];
  /** CPU of the whole tree, µs. */
  cpuUs: number;
}

export function sampleTree(root: number): TreeSample {
  const tree = treeOf(root, allStats());
  const ticks = tree.reduce((sum, stat) => sum + stat.ticks, 0);
  return { pids: tree.map((stat) => stat.pid), cpuUs: (ticks * 1e6) / TICKS_PER_SECOND };
}

/** VmRSS of one /proc/<pid>/status text, in KiB (0 for a process without memory of its own). */
export const rssKb = (status: string): number => Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);

/**
 * Resident memory of the whole tree, MB: the sum of each process's RSS, so pages that two
 * processes share (the node binary's code, say) count once per process.
 */
export function treeRssMb(root: number): number {
  const kb = sampleTree(root).pids.reduce(
    (sum, pid) => sum + rssKb(readProc(`/proc/${pid}/status`) ?? ''),
    0,
  );
  return Math.round(kb / 1024);
}

/** CPU µs the whole machine spent on anything but idling since boot (steal included). */
export function machineBusyUs(): number {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
  const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1e6) / TICKS_PER_SECOND;
}

/**
 * From now on: how many cores, on average, processes outside `root`'s tree kept busy (the
 * machine's busy time less the tree's CPU, over the wall time).
 */
export function othersLoad(root: number): () => number {
  const read = (): number[] => [machineBusyUs(), sampleTree(root).cpuUs, performance.now()];
  const start = read();
  return () => {
    const [machine, tree, ms] = read().map((value, i) => value - start[i]);
    return (machine - tree) / (ms * 1000);
  };
}
