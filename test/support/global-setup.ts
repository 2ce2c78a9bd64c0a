import { execFileSync } from 'node:child_process';

/** Child-process tests run the built service (dist/), exactly what production runs. */
export default function globalSetup(): void {
  execFileSync('npx', ['nest', 'build'], { stdio: 'inherit' });
}
