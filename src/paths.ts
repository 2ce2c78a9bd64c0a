import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The build copies views/ into dist/, so the built service is self-contained; from the
// sources (tests, ts-node) the repository's own views/ folder is used.
export const VIEWS_DIR = existsSync(join(__dirname, 'views'))
  ? join(__dirname, 'views')
  : join(__dirname, '..', 'views');

/** name and version, read once from package.json (beside dist/ and src/ alike). */
export const PACKAGE = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};
