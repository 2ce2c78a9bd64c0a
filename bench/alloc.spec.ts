import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { AllocProbe, allocatedBetween } from './alloc';

it('allocatedBetween sums the growth by pid, a new process from its start', () => {
  const before = new Map([
    [1, 100],
    [2, 50],
  ]);
  const after = new Map([
    [1, 160],
    [2, 50],
    [3, 7],
  ]);
  expect(allocatedBetween(before, after)).toBe(67);
});

describe('the allocation preload', () => {
  // A child that, on each line of stdin, allocates what the line asks for and says "done".
  const child = `
    let keep;
    const work = {
      arrays: () => { for (let i = 0; i < 10000; i++) keep = new Array(1000).fill(1.5); },
      buffers: () => { for (let i = 0; i < 10000; i++) keep = Buffer.alloc(8000); },
    };
    process.stdin.on('data', (line) => { work[String(line).trim()](); console.log('done'); });
    console.log('ready');`;

  async function allocated(probe: AllocProbe, what: string): Promise<number> {
    const node = spawn(process.execPath, ['-e', child], {
      env: { ...process.env, ...probe.env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const said = (): Promise<unknown> => once(node.stdout, 'data');
    await said();
    const before = await probe.read([node.pid!]);
    node.stdin.write(`${what}\n`);
    await said();
    const after = await probe.read([node.pid!]);
    node.kill();
    await once(node, 'exit');
    return allocatedBetween(before, after);
  }

  it("counts what a process allocates on V8's heap between two readings", async () => {
    const probe = new AllocProbe();
    try {
      // 10,000 arrays of 1,000 doubles: about 80 MB, all of it garbage soon, so GCs run between.
      const bytes = await allocated(probe, 'arrays');
      expect(bytes).toBeGreaterThan(80e6);
      expect(bytes).toBeLessThan(88e6);
      // 80 MB of Buffers live off the heap: only their small handles count.
      expect(await allocated(probe, 'buffers')).toBeLessThan(5e6);
    } finally {
      probe.remove();
    }
  });
});
