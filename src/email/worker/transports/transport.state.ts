import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { transportFailovers } from '../../../common/metrics';
import { EMAIL_QUEUE } from '../../store/email.constants';

/** A transport's last outcome, as the worker processes last changed it. */
export interface TransportOutcome {
  ok: boolean;
  at: string;
}

const HASH = 'transports';

/**
 * The transports' last outcomes for /health and the info page, in one small Redis hash under
 * the queue's prefix: the API processes read what the worker processes saw. A process writes
 * only when a transport's outcome changes for it, so the send path costs no round trip.
 */
@Injectable()
export class TransportState {
  private readonly last = new Map<string, boolean>();

  constructor(
    @InjectQueue(EMAIL_QUEUE) private readonly queue: Queue,
    @InjectPinoLogger(TransportState.name) private readonly logger: PinoLogger,
  ) {}

  record(transport: string, ok: boolean): void {
    if (this.last.get(transport) === ok) return;
    this.last.set(transport, ok);
    const outcome: TransportOutcome = { ok, at: new Date().toISOString() };
    this.queue.client
      .hset(this.queue.toKey(HASH), transport, JSON.stringify(outcome))
      .catch((error: Error) => {
        this.last.delete(transport);
        this.logger.warn({ transport, err: error.message }, 'transport state not stored');
      });
  }

  failedOver(from: string): void {
    transportFailovers.inc({ from });
  }
}

/** Each configured transport's last outcome; `undefined` for one not used yet. */
export async function readTransportStates(
  queue: Queue,
  names: readonly string[],
): Promise<Record<string, TransportOutcome | undefined>> {
  const raw = names.length > 0 ? await queue.client.hgetall(queue.toKey(HASH)) : {};
  return Object.fromEntries(
    names.map((name) => [
      name,
      raw[name] ? (JSON.parse(raw[name]) as TransportOutcome) : undefined,
    ]),
  );
}
