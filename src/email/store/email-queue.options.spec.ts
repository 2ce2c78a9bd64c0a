import { retryDelay } from './email-queue.options';

describe('retryDelay', () => {
  it('doubles from the base, between half and all of each step', () => {
    expect(retryDelay(1, 1000, 60_000, () => 0)).toBe(500);
    expect(retryDelay(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(retryDelay(2, 1000, 60_000, () => 1)).toBe(2000);
    expect(retryDelay(4, 1000, 60_000, () => 0.5)).toBe(6000);
  });

  it('never exceeds the cap, however many attempts', () => {
    for (const attempts of [10, 30, 1000])
      expect(retryDelay(attempts, 1000, 60_000, () => 1)).toBe(60_000);
  });

  it('spreads retries of the same attempt apart', () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelay(3, 1000, 60_000)));
    expect(delays.size).toBeGreaterThan(10);
  });
});
