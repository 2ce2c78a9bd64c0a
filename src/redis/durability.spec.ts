import type Redis from 'ioredis';
import { durabilityWarnings } from './durability';

const fakeClient = (status: string): { status: string } => ({ status });

describe('durabilityWarnings', () => {
  const refusing = (status: string): Redis =>
    Object.assign(fakeClient(status), {
      config: () => Promise.reject(new Error('ERR unknown command')),
    }) as unknown as Redis;

  it('warns when a connected Redis refuses CONFIG GET', async () => {
    await expect(durabilityWarnings(refusing('ready'))).resolves.toEqual([
      expect.stringMatching(/^Redis refused CONFIG GET/),
    ]);
  });

  it('says nothing, to be asked again, when the connection dropped during the check', async () => {
    await expect(durabilityWarnings(refusing('reconnecting'))).resolves.toBeUndefined();
  });
});
