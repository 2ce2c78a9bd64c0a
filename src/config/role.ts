import { ConfigError } from './config.error';

export const ROLES = ['all', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

/** The two kinds of process the supervisor runs under ROLE=all. */
export type ProcessKind = 'api' | 'worker';

/** Most processes of either kind, whether configured or derived from the CPU count. */
export const MAX_PROCESSES = 64;

/** ROLE=all as main.ts starts it: the processes the supervisor forks and keeps running. */
export interface Supervision {
  /** HTTP API processes (api-1 … api-N); they share PORT. */
  api: number;
  /** Worker processes (worker-1 … worker-M): never more than WORKER_CONCURRENCY. */
  worker: number;
  /** WORKER_CONCURRENCY split across the worker processes: worker-1's share first. */
  concurrencyPerWorker: number[];
  /** WORKER_PROCESSES as configured, when WORKER_CONCURRENCY capped it (else absent). */
  workerProcessesAsked?: number;
}

/** What one process runs. ROLE is turned into this here, and read nowhere else. */
export interface ProcessPlan {
  /** The HTTP API, its docs, the info page and Bull Board. */
  api: boolean;
  /** The queue's consumer, which sends the mail (and the SMTP pool it needs). */
  worker: boolean;
  /** The port to listen on: PORT with the API, else HEALTH_PORT; none for a bare worker. */
  port?: number;
  /** Parallel sends of this process (its WORKER_CONCURRENCY); 0 without a worker. */
  concurrency: number;
  /** Every log line's `process`: `api-1`, `worker-2` under the supervisor, else the ROLE. */
  label: string;
  /**
   * ROLE=all: main.ts runs the supervisor (src/cluster/) with these processes instead of an
   * app. An app built from this plan anyway (the in-process tests build one) runs the API and
   * the worker in its one process, with all of WORKER_CONCURRENCY.
   */
  supervise?: Supervision;
  /** A process the supervisor forked: which one, and what the supervisor runs in all. */
  supervised?: { kind: ProcessKind; index: number; of: Supervision };
  /**
   * Reports what every process would see alike (Redis' durability settings, the queue's job
   * counts in /metrics): a lone process, or the supervisor's first API process only.
   */
  reportsShared: boolean;
}

/** The variables the plan depends on, plus which supervised process this is, if any. */
export interface PlanInput {
  ROLE: Role;
  PORT: number;
  HEALTH_PORT?: number;
  WORKER_CONCURRENCY: number;
  API_PROCESSES?: number;
  WORKER_PROCESSES?: number;
}

/** The environment variable the supervisor gives each process it forks: `api-1`, `worker-2`… */
export const SUPERVISED_AS = 'MAIL_RELAY_SUPERVISED_AS';

/**
 * Defaults from the CPU count: the worker side gets the larger half (a mail costs the worker
 * about twice the CPU a request costs the API), and each side at least one process.
 */
export function defaultProcesses(cpus: number): { api: number; worker: number } {
  return {
    api: Math.min(MAX_PROCESSES, Math.max(1, Math.floor(cpus / 2))),
    worker: Math.min(MAX_PROCESSES, Math.max(1, Math.ceil(cpus / 2))),
  };
}

/** `total` sends over `processes` processes, as evenly as can be: [6, 5, 5] for 16 over 3. */
export function split(total: number, processes: number): number[] {
  return Array.from(
    { length: processes },
    (_, i) => Math.floor(total / processes) + (i < total % processes ? 1 : 0),
  );
}

function supervision(env: PlanInput, cpus: number): Supervision {
  const defaults = defaultProcesses(cpus);
  const asked = env.WORKER_PROCESSES ?? defaults.worker;
  // Never more worker processes than sends: WORKER_CONCURRENCY=1 means one send at a time in
  // all, hence one worker process, hence FIFO (SPEC §5).
  const worker = Math.min(asked, env.WORKER_CONCURRENCY);
  return {
    api: env.API_PROCESSES ?? defaults.api,
    worker,
    concurrencyPerWorker: split(env.WORKER_CONCURRENCY, worker),
    ...(worker < asked && env.WORKER_PROCESSES !== undefined
      ? { workerProcessesAsked: asked }
      : {}),
  };
}

/**
 * `supervisedAs` is the SUPERVISED_AS variable, which only the supervisor sets (cluster.fork),
 * `isClusterWorker` whether this process is one the supervisor forked.
 */
export function planOf(
  env: PlanInput,
  cpus: number,
  supervisedAs?: string,
  isClusterWorker = false,
): ProcessPlan {
  if (supervisedAs !== undefined) return supervisedPlan(env, cpus, supervisedAs, isClusterWorker);
  const api = env.ROLE !== 'worker';
  const worker = env.ROLE !== 'api';
  return {
    api,
    worker,
    port: api ? env.PORT : env.HEALTH_PORT,
    concurrency: worker ? env.WORKER_CONCURRENCY : 0,
    label: env.ROLE,
    ...(env.ROLE === 'all' ? { supervise: supervision(env, cpus) } : {}),
    reportsShared: true,
  };
}

function supervisedPlan(
  env: PlanInput,
  cpus: number,
  label: string,
  isClusterWorker: boolean,
): ProcessPlan {
  const of = supervision(env, cpus);
  const [, kind, number] = /^(api|worker)-([1-9]\d*)$/.exec(label) ?? [];
  const index = Number(number) - 1;
  if (!isClusterWorker || env.ROLE !== 'all' || !kind || index >= of[kind as ProcessKind])
    throw new ConfigError(`${SUPERVISED_AS}: set by the ROLE=all supervisor only, not by hand`);
  const api = kind === 'api';
  return {
    api,
    worker: !api,
    // API processes listen on PORT together (node:cluster shares it); workers open no port.
    port: api ? env.PORT : undefined,
    concurrency: api ? 0 : of.concurrencyPerWorker[index],
    label,
    supervised: { kind: kind as ProcessKind, index, of },
    reportsShared: api && index === 0,
  };
}
