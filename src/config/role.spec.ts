import { ConfigError } from './config.error';
import { ROLES, Role, defaultProcesses, planOf, split } from './role';

const env = (patch: object = {}) => ({
  ROLE: 'all' as Role,
  PORT: 3000,
  WORKER_CONCURRENCY: 16,
  ...patch,
});

describe('process plan (ROLE → what a process runs)', () => {
  it.each([
    [1, { api: 1, worker: 1 }],
    [2, { api: 1, worker: 1 }],
    [3, { api: 1, worker: 2 }],
    [8, { api: 4, worker: 4 }],
    [200, { api: 64, worker: 64 }],
  ])('defaults %d CPUs to %j processes', (cpus, expected) => {
    expect(defaultProcesses(cpus)).toEqual(expected);
  });

  it('splits the sends as evenly as can be, the first processes taking the rest', () => {
    expect(split(16, 3)).toEqual([6, 5, 5]);
    expect(split(4, 2)).toEqual([2, 2]);
    expect(split(1, 1)).toEqual([1]);
  });

  it('ROLE=all: the supervisor runs the configured processes, or the CPU count’s', () => {
    expect(planOf(env({ API_PROCESSES: 2, WORKER_PROCESSES: 3 }), 8)).toEqual({
      api: true,
      worker: true,
      port: 3000,
      concurrency: 16,
      label: 'all',
      supervise: { api: 2, worker: 3, concurrencyPerWorker: [6, 5, 5] },
      reportsShared: true,
    });
    expect(planOf(env(), 8).supervise).toEqual({
      api: 4,
      worker: 4,
      concurrencyPerWorker: [4, 4, 4, 4],
    });
  });

  it('never runs more worker processes than WORKER_CONCURRENCY, and says so when asked for more', () => {
    expect(planOf(env({ WORKER_CONCURRENCY: 1, WORKER_PROCESSES: 3 }), 2).supervise).toEqual({
      api: 1,
      worker: 1,
      concurrencyPerWorker: [1],
      workerProcessesAsked: 3,
    });
    // A default capped is no news.
    expect(planOf(env({ WORKER_CONCURRENCY: 2 }), 16).supervise).toEqual({
      api: 8,
      worker: 2,
      concurrencyPerWorker: [1, 1],
    });
  });

  it('ROLE=api and ROLE=worker stay one process, as before', () => {
    expect(planOf(env({ ROLE: 'api' }), 8)).toEqual({
      api: true,
      worker: false,
      port: 3000,
      concurrency: 0,
      label: 'api',
      reportsShared: true,
    });
    expect(planOf(env({ ROLE: 'worker', HEALTH_PORT: 3101 }), 8)).toEqual({
      api: false,
      worker: true,
      port: 3101,
      concurrency: 16,
      label: 'worker',
      reportsShared: true,
    });
  });

  it('a supervised process gets its part of the plan: its kind, port and share of the sends', () => {
    const all = env({ API_PROCESSES: 2, WORKER_PROCESSES: 3 });
    const of = planOf(all, 8).supervise;
    expect(planOf(all, 8, 'api-2', true)).toEqual({
      api: true,
      worker: false,
      port: 3000,
      concurrency: 0,
      label: 'api-2',
      supervised: { kind: 'api', index: 1, of },
      reportsShared: false,
    });
    // One process reports what all share: the first API process.
    expect(planOf(all, 8, 'api-1', true).reportsShared).toBe(true);
    expect(planOf(all, 8, 'worker-3', true)).toEqual({
      api: false,
      worker: true,
      port: undefined,
      concurrency: 5,
      label: 'worker-3',
      supervised: { kind: 'worker', index: 2, of },
      reportsShared: false,
    });
  });

  it.each([
    ['outside a process the supervisor forked', 'api-1', false, 'all'],
    ['with a process the plan does not have', 'worker-4', true, 'all'],
    ['with a malformed label', 'api-01', true, 'all'],
    ['with another ROLE', 'api-1', true, 'api'],
  ])('refuses the supervisor’s variable %s', (_why, label, forked, role) => {
    expect(() => planOf(env({ ROLE: role, WORKER_PROCESSES: 3 }), 8, label, forked)).toThrow(
      ConfigError,
    );
  });

  it('knows the three roles of SPEC §1', () => {
    expect(ROLES).toEqual(['all', 'api', 'worker']);
  });
});
