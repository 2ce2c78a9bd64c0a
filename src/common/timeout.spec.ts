import { withTimeout } from './timeout';

const never = new Promise<never>(() => undefined);

describe('withTimeout', () => {
  it('settles with the work when it finishes first', async () => {
    await expect(withTimeout(Promise.resolve('done'), 1000, () => 'late')).resolves.toBe('done');
    await expect(
      withTimeout(Promise.reject(new Error('broken')), 1000, () => 'late'),
    ).rejects.toThrow('broken');
  });

  it('settles with what onTimeout returns or throws once the time is up', async () => {
    await expect(withTimeout(never, 5, () => false)).resolves.toBe(false);
    await expect(
      withTimeout(never, 5, () => {
        throw new Error('no answer');
      }),
    ).rejects.toThrow('no answer');
  });

  it('leaves no timer behind when the work wins', async () => {
    jest.useFakeTimers();
    try {
      await withTimeout(Promise.resolve(1), 60_000, () => 0);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
