import { RESTART, RestartPolicy } from './restart-policy';

describe('RestartPolicy', () => {
  it('restarts a quickly dying process ever more slowly, up to the cap', () => {
    const policy = new RestartPolicy();
    const delays = Array.from({ length: 9 }, () => policy.onExit(100, true));
    expect(delays).toEqual(
      [200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000].map((delayMs) => ({ delayMs })),
    );
  });

  it('starts over after a process that ran long enough', () => {
    const policy = new RestartPolicy();
    policy.onExit(100, true);
    policy.onExit(100, true);
    expect(policy.onExit(RESTART.stableMs, true)).toEqual({ delayMs: RESTART.firstDelayMs });
  });

  it('gives up on a process that dies before starting, five times in a row', () => {
    const policy = new RestartPolicy();
    for (let i = 1; i < RESTART.startFailures; i++)
      expect(policy.onExit(50, false)).toHaveProperty('delayMs');
    expect(policy.onExit(50, false)).toEqual({ giveUp: true });
  });

  it('counts failed starts only in a row', () => {
    const policy = new RestartPolicy();
    for (let i = 1; i < RESTART.startFailures; i++) policy.onExit(50, false);
    policy.onExit(50, true);
    expect(policy.onExit(50, false)).toHaveProperty('delayMs');
  });
});
