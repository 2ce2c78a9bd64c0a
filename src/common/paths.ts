import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The build output (dist/) or the sources (src/): this file sits one folder below either. */
const BASE = join(__dirname, '..');

// The build copies views/ into dist/, so the built service is self-contained; from the
// sources (tests, ts-node) the repository's own views/ folder is used.
export const VIEWS_DIR = existsSync(join(BASE, 'views'))
  ? join(BASE, 'views')
  : join(BASE, '..', 'views');

/** name and version, read once from package.json (beside dist/ and src/ alike). */
export const PACKAGE = JSON.parse(readFileSync(join(BASE, '..', 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};

/** Every route prefix the service serves: the controllers and the security headers read these. */
export const ROUTES = {
  email: 'send-email',
  templates: 'templates',
  suppressions: 'suppressions',
  bounces: 'bounces',
  dkim: 'dkim',
  health: 'health',
  metrics: 'metrics',
  docs: 'docs',
  board: 'queues',
} as const;
