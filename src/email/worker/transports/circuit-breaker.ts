/**
 * Transports that just failed without reaching a server sit out a cool-down, so a dead
 * relay does not cost every email a connect timeout. Per process: each worker process
 * learns on its own (one failed send each), which needs no shared state on the send path.
 */
export class CircuitBreaker {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly coolDownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  failed(name: string): void {
    if (this.coolDownMs > 0) this.until.set(name, this.now() + this.coolDownMs);
  }

  worked(name: string): void {
    this.until.delete(name);
  }

  coolingDown(name: string): boolean {
    const until = this.until.get(name);
    return until !== undefined && until > this.now();
  }

  /**
   * The route with its transports cooling down moved to the end, in order: skipped while
   * another works, still tried before the attempt gives up (all of it, when all are).
   */
  order(route: readonly string[]): string[] {
    const cooling = route.filter((name) => this.coolingDown(name));
    return [...route.filter((name) => !cooling.includes(name)), ...cooling];
  }
}
