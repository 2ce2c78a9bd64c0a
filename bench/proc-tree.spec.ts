import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { ProcStat, parseStat, rssKb, sampleTree, treeOf } from './proc-tree';

const line = (pid: number, comm: string, ppid: number, times: number[]): string =>
  `${pid} (${comm}) S ${ppid} 1 1 0 -1 4194560 100 0 0 0 ${times.join(' ')} 20 0 11 0 42 1000 200`;

describe('parseStat', () => {
  it('reads pid, ppid and utime + stime + cutime + cstime', () => {
    expect(parseStat(line(42, 'node', 7, [100, 20, 3, 4]))).toEqual({
      pid: 42,
      ppid: 7,
      ticks: 127,
    });
  });

  it('is not misled by spaces and parentheses in the command name', () => {
    expect(parseStat(line(9, 'a) S 1 (b', 3, [1, 2, 0, 0]))).toEqual({ pid: 9, ppid: 3, ticks: 3 });
  });
});

describe('treeOf', () => {
  const stat = (pid: number, ppid: number): ProcStat => ({ pid, ppid, ticks: pid });
  const all = [stat(1, 0), stat(10, 1), stat(11, 10), stat(12, 10), stat(13, 11), stat(20, 1)];

  it('takes the root and every descendant, not its siblings or parent', () => {
    expect(treeOf(10, all).map((s) => s.pid)).toEqual([10, 11, 12, 13]);
  });

  it('is empty for a process that is gone', () => {
    expect(treeOf(99, all)).toEqual([]);
  });
});

it('rssKb reads VmRSS, and 0 without one', () => {
  expect(rssKb('Name:\tnode\nVmRSS:\t  123456 kB\nVmSwap:\t0 kB\n')).toBe(123456);
  expect(rssKb('Name:\tkthreadd\n')).toBe(0);
});

it('sampleTree finds a child of a child and counts its CPU, also once it has exited', async () => {
  // A shell whose child burns 300 ms of CPU (however long that takes on a busy machine); each
  // says where it is on stdout.
  const burn = `console.log('burning'); while (process.cpuUsage().user < 300000);`;
  const script = `"${process.execPath}" -e "${burn}"; echo burnt; sleep 1`;
  const shell = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const said = (word: string): Promise<void> =>
    new Promise((resolve) =>
      shell.stdout.on('data', (chunk: Buffer) => chunk.toString().includes(word) && resolve()),
    );
  await said('burning');
  const during = sampleTree(shell.pid!);
  await said('burnt');
  const after = sampleTree(shell.pid!);
  expect(during.pids).toHaveLength(2);
  expect(during.pids[0]).toBe(shell.pid);
  // The burner has exited and been waited for: its CPU now counts in the shell's cutime.
  expect(after.pids).not.toContain(during.pids[1]);
  expect(after.cpuUs).toBeGreaterThanOrEqual(280_000);
  shell.kill();
  await once(shell, 'exit');
});
