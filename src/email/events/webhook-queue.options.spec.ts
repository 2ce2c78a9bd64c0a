import { WEBHOOK_BACKOFF_CAP_MS, webhookDelay } from './webhook-queue.options';

const DEFAULT_BASE_MS = 60_000;
const DEFAULT_ATTEMPTS = 12;
const HOUR = 3600_000;

/** Waits between the tries of one event: attemptsMade 1 … attempts - 1. */
const schedule = (random: () => number): number[] =>
  Array.from({ length: DEFAULT_ATTEMPTS - 1 }, (_, n) =>
    webhookDelay(n + 1, DEFAULT_BASE_MS, random),
  );
const total = (waits: number[]): number => waits.reduce((sum, wait) => sum + wait, 0);

describe('webhookDelay', () => {
  it('doubles from the base and stops at the cap', () => {
    expect(schedule(() => 0).map((ms) => ms / 60_000)).toEqual([
      1, 2, 4, 8, 16, 32, 64, 128, 240, 240, 240,
    ]);
    expect(webhookDelay(30, DEFAULT_BASE_MS, () => 0)).toBe(WEBHOOK_BACKOFF_CAP_MS);
  });

  it('spreads the default 12 tries over at least 12 hours, whatever the jitter', () => {
    expect(total(schedule(() => 0))).toBeGreaterThanOrEqual(12 * HOUR);
    expect(total(schedule(() => 0.999))).toBeLessThan(21 * HOUR);
  });

  it('only adds jitter, up to a quarter', () => {
    expect(webhookDelay(3, 1000, () => 0)).toBe(4000);
    expect(webhookDelay(3, 1000, () => 1)).toBe(5000);
  });
});
