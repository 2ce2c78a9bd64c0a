import type { Queue } from 'bull';
import { tolerateUnnamedWorker } from './bull-internals';

describe('tolerateUnnamedWorker', () => {
  it('keeps a failed CLIENT SETNAME from becoming an unhandled rejection', async () => {
    const queue = {
      setWorkerName: () => Promise.reject(new Error('Connection is closed.')),
    } as unknown as Queue;
    tolerateUnnamedWorker(queue);
    await expect(queue.setWorkerName()).resolves.toBeUndefined();
  });
});
