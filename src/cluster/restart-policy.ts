/** The supervisor's restart rules; the numbers are README "Scaling out"'s. */
export const RESTART = {
  /** Wait before the first restart of a process that died. */
  firstDelayMs: 200,
  /** Each further quick death doubles the wait, up to this. */
  maxDelayMs: 10_000,
  /** A process that ran this long before dying counts as stable: the wait starts over. */
  stableMs: 10_000,
  /** A process that dies this many times in a row before it has started is not tried again. */
  startFailures: 5,
} as const;

export type RestartDecision = { delayMs: number } | { giveUp: true };

/**
 * One process slot's memory of its deaths: a process that keeps dying is restarted ever more
 * slowly (200 ms, 400 ms … 10 s), never in a storm; one that cannot even start (a port in use,
 * a broken build) ends the supervisor instead of looping forever.
 */
export class RestartPolicy {
  private quickDeaths = 0;
  private failedStarts = 0;

  /** `livedMs`: how long the process ran; `started`: whether it had reported ready. */
  onExit(livedMs: number, started: boolean): RestartDecision {
    this.failedStarts = started ? 0 : this.failedStarts + 1;
    if (this.failedStarts >= RESTART.startFailures) return { giveUp: true };
    if (livedMs >= RESTART.stableMs) this.quickDeaths = 0;
    this.quickDeaths++;
    const delayMs = Math.min(
      RESTART.maxDelayMs,
      RESTART.firstDelayMs * 2 ** (this.quickDeaths - 1),
    );
    return { delayMs };
  }
}
