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

/** How often a process restates an unchanged outcome, so another's stale one cannot stick. */
export const RESTATE_MS = 10_000;

/**
 * The transports' last outcomes for /health and the info page, in one small Redis hash under
 * the queue's prefix: the API processes read what the worker processes saw. A process writes
 * when a transport's outcome changes for it, else at most every RESTATE_MS: the send path
 * costs no round trip, and with several workers the field follows the latest outcome.
 */
@Injectable()
export class TransportState {
  private readonly last = new Map<string, { ok: boolean; at: number }>();

  constructor(
    @InjectQueue(EMAIL_QUEUE) private readonly queue: Queue,
    @InjectPinoLogger(TransportState.name) private readonly logger: PinoLogger,
  ) {}

  record(transport: string, ok: boolean, now = Date.now()): void {
    const last = this.last.get(transport);
    if (last?.ok === ok && now - last.at < RESTATE_MS) return;
    this.last.set(transport, { ok, at: now });
    const outcome: TransportOutcome = { ok, at: new Date(now).toISOString() };
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
  return Object.fromEntries(names.map((name) => [name, outcomeOf(raw[name])]));
}

/** A stored outcome; a field that is not one (an older format, a hand edit) as not used. */
function outcomeOf(raw: string | undefined): TransportOutcome | undefined {
  try {
    const value = raw ? (JSON.parse(raw) as Partial<TransportOutcome>) : undefined;
    return typeof value?.ok === 'boolean' && typeof value.at === 'string'
      ? { ok: value.ok, at: value.at }
      : undefined;
  } catch {
    return undefined;
  }
}
