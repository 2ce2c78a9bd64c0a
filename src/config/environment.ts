import { parse } from 'dotenv';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EnvironmentVariables, VARIABLES, validateOrExit } from './env.validation';
import { SUPERVISED_AS } from './role';

/**
 * The environment (process.env over .env, read as ConfigModule reads them), validated:
 * main.ts's first step, before it decides between the supervisor and an app. Exits 1 on a
 * bad value. dotenv's parser rather than ConfigModule keeps Nest out of the supervisor
 * (about 26 MB of its RSS).
 */
export function loadEnvironment(): EnvironmentVariables {
  const file = resolve(process.cwd(), '.env');
  const fromFile = existsSync(file) ? parse(readFileSync(file)) : {};
  return validateOrExit({ ...fromFile, ...process.env });
}

/**
 * What the supervisor forks a process with (on top of its own environment): the variables as
 * the supervisor validated them, so an edited .env cannot give a restarted process another
 * configuration than its siblings', and which process it is.
 */
export function supervisedEnvironment(
  env: EnvironmentVariables,
  label: string,
): Record<string, string> {
  const values: Record<string, string> = { [SUPERVISED_AS]: label };
  for (const name of VARIABLES) {
    const value: unknown = env[name as keyof EnvironmentVariables];
    // Unset ones go as '' (unset to validate()), so that a .env edited since the start cannot
    // give a restarted process a value its siblings do not have.
    values[name] = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  }
  // The counts as resolved (CPU-count defaults, the cap), not as configured.
  const { supervise } = env.plan;
  if (supervise) {
    values.API_PROCESSES = String(supervise.api);
    values.WORKER_PROCESSES = String(supervise.worker);
  }
  return values;
}
