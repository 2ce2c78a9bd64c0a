import type { Registry } from 'prom-client';

/**
 * What the supervisor and its processes say to each other over node:cluster's IPC channel.
 * Every type carries this prefix, so nothing else on the channel (Node's own cluster messages
 * come as `internalMessage`, not `message`) is mistaken for one of these.
 */
const PREFIX = 'mail-relay:';

/** How many processes of a kind the supervisor keeps, and how many have started and still run. */
export interface ProcessCount {
  up: number;
  configured: number;
}

export interface ProcessCounts {
  api: ProcessCount;
  worker: ProcessCount;
}

/** One process's metrics as prom-client's `getMetricsAsJSON()` gives them. */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Process → supervisor. */
export type ToSupervisor =
  /** Started: the API process listens, the worker process consumes. Sent once. */
  | { type: 'mail-relay:ready' }
  /** From an API process serving /metrics or /health: answered with `answer`. */
  | { type: 'mail-relay:ask'; id: number; what: 'metrics' | 'processes' }
  /** The answer to `collect`: this process's own metrics. */
  | { type: 'mail-relay:collected'; id: number; metrics?: MetricsJson; error?: string };

/** Supervisor → process. */
export type ToProcess =
  | {
      type: 'mail-relay:answer';
      id: number;
      metrics?: string;
      processes?: ProcessCounts;
      error?: string;
    }
  /** Asks for this process's own metrics, to aggregate them with every other process's. */
  | { type: 'mail-relay:collect'; id: number };

export const READY: ToSupervisor = { type: 'mail-relay:ready' };

/** Whether `message` is one of ours: an object whose `type` carries the prefix. */
export function isOurs<T extends { type: string }>(message: unknown): message is T {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { type?: unknown }).type === 'string' &&
    (message as { type: string }).type.startsWith(PREFIX)
  );
}

/** Tells the supervisor, if this process has one, that it is up (main.ts, once started). */
export function tellSupervisorReady(): void {
  if (process.send && process.connected) process.send(READY);
}
