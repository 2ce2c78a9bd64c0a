import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EnvironmentVariables } from '../../../config/env.validation';

/** The longest a webhook POST waits for the sends to calm down before it goes anyway. */
export const YIELD_MAX_MS = 2000;

/**
 * Sends in flight in this process. Webhook POSTs yield to sends: while half the send slots
 * (WORKER_CONCURRENCY) or more are busy, a POST waits for that to change (at most
 * YIELD_MAX_MS), so on a machine that is busy sending, events use the slack instead of
 * slowing the sends; they are in Redis meanwhile, and arrive a little later.
 */
@Injectable()
export class SendLoad {
  private inFlight = 0;
  /** Sends in flight from which POSTs wait. */
  private readonly slots: number;
  private waiters: (() => void)[] = [];

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    this.slots = Math.ceil(config.get('WORKER_CONCURRENCY', { infer: true }) / 2);
  }

  started(): void {
    this.inFlight++;
  }

  ended(): void {
    this.inFlight--;
    // Only a slot below the mark lets POSTs go: waking them for less would just re-arm them.
    if (this.inFlight >= this.slots || this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves once fewer than half the send slots are busy, or after `maxMs`. */
  async yieldToSends(maxMs = YIELD_MAX_MS): Promise<void> {
    const until = Date.now() + maxMs;
    while (this.inFlight >= this.slots && Date.now() < until) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, until - Date.now());
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }
}
