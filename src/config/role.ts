export const ROLES = ['all', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

/** What one process runs. ROLE is turned into this here, and read nowhere else. */
export interface ProcessPlan {
  /** The HTTP API, its docs, the info page and Bull Board. */
  api: boolean;
  /** The queue's consumer, which sends the mail (and the SMTP pool it needs). */
  worker: boolean;
  /** The port to listen on: PORT with the API, else HEALTH_PORT; none for a bare worker. */
  port?: number;
}

export function planOf(env: { ROLE: Role; PORT: number; HEALTH_PORT?: number }): ProcessPlan {
  const api = env.ROLE !== 'worker';
  return { api, worker: env.ROLE !== 'api', port: api ? env.PORT : env.HEALTH_PORT };
}
