import type { Worker } from 'node:cluster';
import type { ProcessKind } from '../config/role';
import { ProcessCount, ProcessCounts } from './messages';
import { RestartPolicy } from './restart-policy';

/** One place in the supervisor's set: `worker-2` and whichever process fills it right now. */
export interface Slot {
  label: string;
  kind: ProcessKind;
  process?: Worker;
  startedAt: number;
  started: boolean;
  restarts: number;
  policy: RestartPolicy;
  timer?: NodeJS.Timeout;
}

/** The slots of `count` processes of one kind: `api-1`, `api-2`… */
export const slotsOf = (kind: ProcessKind, count: number): Slot[] =>
  Array.from({ length: count }, (_, index) => ({
    label: `${kind}-${index + 1}`,
    kind,
    startedAt: 0,
    started: false,
    restarts: 0,
    policy: new RestartPolicy(),
  }));

/** How many processes of each kind have started and still run. */
export function countsOf(slots: Slot[]): ProcessCounts {
  const count = (kind: ProcessKind): ProcessCount => {
    const ofKind = slots.filter((slot) => slot.kind === kind);
    return { up: ofKind.filter((slot) => slot.started).length, configured: ofKind.length };
  };
  return { api: count('api'), worker: count('worker') };
}

/** The processes that have started and not exited: the ones that can answer. */
export const running = (slots: Slot[]): Worker[] =>
  slots.flatMap((slot) => (slot.started && slot.process ? [slot.process] : []));
