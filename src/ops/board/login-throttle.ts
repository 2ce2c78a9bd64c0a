/** Failed logins allowed per client address in one window, and the window. */
export const LOGIN_FAILURES = 10;
export const LOGIN_WINDOW_MS = 15 * 60_000;
/** Addresses remembered at most: a flood of addresses cannot grow the map without end. */
const MAX_CLIENTS = 10_000;

interface Window {
  failures: number;
  endsAt: number;
}

/**
 * Counts failed logins per client address in fixed windows; past LOGIN_FAILURES an address
 * is refused (even with the right password) until its window ends. In memory, per process:
 * a guesser spread over N processes gets N times the tries, still a handful per minute.
 */
export class LoginThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit = LOGIN_FAILURES,
    private readonly windowMs = LOGIN_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `client` may try again; 0 when it may try now. */
  blockedFor(client: string): number {
    const window = this.windows.get(client);
    if (!window || window.endsAt <= this.now()) return 0;
    return window.failures >= this.limit ? window.endsAt - this.now() : 0;
  }

  fail(client: string): void {
    const now = this.now();
    let window = this.windows.get(client);
    if (!window || window.endsAt <= now) {
      this.forgetExpired(now);
      window = { failures: 0, endsAt: now + this.windowMs };
      this.windows.set(client, window);
    }
    window.failures++;
  }

  private forgetExpired(now: number): void {
    if (this.windows.size < MAX_CLIENTS) return;
    for (const [client, window] of this.windows)
      if (window.endsAt <= now) this.windows.delete(client);
    // Still full: the oldest windows go first (a Map iterates in insertion order).
    for (const client of this.windows.keys()) {
      if (this.windows.size < MAX_CLIENTS) break;
      this.windows.delete(client);
    }
  }
}
