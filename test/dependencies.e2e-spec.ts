import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What `npm ci` installs, read from the lock file: the fixed releases of packages with known
 * advisories, and no second, older copy of nodemailer slipping in through a dependency.
 */
type LockEntry = { version: string; dev?: boolean };
const lock = JSON.parse(readFileSync(join(__dirname, '..', 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};
const copiesOf = (name: string): [string, LockEntry][] =>
  Object.entries(lock.packages).filter(([path]) => path.endsWith(`node_modules/${name}`));
const atLeast = (version: string, minimum: string): boolean => {
  const [a, b] = [version, minimum].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
};

describe('installed dependencies', () => {
  it('has one nodemailer, at a release past the known advisories (10.0.9)', () => {
    const copies = copiesOf('nodemailer');
    expect(copies.map(([path]) => path)).toEqual(['node_modules/nodemailer']);
    expect(atLeast(copies[0][1].version, '10.0.9')).toBe(true);
  });

  it('gives bull a uuid past GHSA-w5hq-g745-h8pq (fixed in 11.1.1)', () => {
    const copies = copiesOf('uuid').filter(([, entry]) => !entry.dev);
    expect(copies.length).toBeGreaterThan(0);
    for (const [path, entry] of copies)
      expect({ path, fixed: atLeast(entry.version, '11.1.1') }).toEqual({ path, fixed: true });
  });
});
