import { Injectable } from '@nestjs/common';
import { transportFailovers } from '../../../common/metrics';

/** A transport's last outcome in this process. */
export interface TransportOutcome {
  ok: boolean;
  at: string;
}

/** What became of each transport lately, for the metrics (and /health, the info page). */
@Injectable()
export class TransportState {
  private readonly last = new Map<string, TransportOutcome>();

  record(transport: string, ok: boolean): void {
    this.last.set(transport, { ok, at: new Date().toISOString() });
  }

  failedOver(from: string): void {
    transportFailovers.inc({ from });
  }

  outcomes(): Record<string, TransportOutcome> {
    return Object.fromEntries(this.last);
  }
}
