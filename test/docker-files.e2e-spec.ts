import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * No Docker engine runs where these tests run, so the Docker files are checked statically:
 * what they declare, and that what the Dockerfile copies exists after `npm run build`
 * (Jest's global setup has just run it).
 */
const ROOT = join(__dirname, '..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
/** Dockerfile instructions, with continuation lines joined. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const stages = instructions.filter((line) => line.startsWith('FROM '));
const runtime = instructions.slice(instructions.indexOf(stages[stages.length - 1]));

type Service = {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  env_file?: { path: string; required: boolean }[];
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
};
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};

describe('Dockerfile', () => {
  it('has a build stage and a runtime stage from a pinned Node LTS image', () => {
    expect(stages.map((line) => line.split(/\s+/).pop())).toEqual(['build', 'runtime']);
    const image = /ARG NODE_IMAGE=(\S+)/.exec(dockerfile)?.[1];
    expect(image).toMatch(/^node:(20|22|24|26)\.\d+\.\d+-[a-z]+-slim$/);
  });

  it('runs as a non-root user, with a HEALTHCHECK on /health and an exec-form CMD equal to start:prod', () => {
    const user = runtime.find((line) => line.startsWith('USER '))?.split(/\s+/)[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    const healthcheck = runtime.find((line) => line.startsWith('HEALTHCHECK '));
    expect(healthcheck).toMatch(/CMD \[.*\/health/);
    const cmd = runtime.filter((line) => line.startsWith('CMD ')).pop()!;
    // The bench starts the service with start:prod: the image must run what was measured.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(JSON.parse(cmd.slice(4))).toEqual(pkg.scripts['start:prod'].split(' '));
    expect(cmd).toContain('dist/main');
  });

  it('installs production dependencies only in the runtime image', () => {
    expect(instructions.some((line) => /npm prune --omit=dev/.test(line))).toBe(true);
    expect(runtime.some((line) => /^RUN npm (ci|install)/.test(line))).toBe(false);
  });

  it('copies into the build stage only files that exist, and the build output holds main.js and views', () => {
    const build = instructions.slice(0, instructions.indexOf(stages[1]));
    const sources = build
      .filter((line) => line.startsWith('COPY ') && !line.includes('--from'))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    for (const source of sources) expect(existsSync(join(ROOT, source))).toBe(true);
    const fromBuild = runtime
      .filter((line) => line.includes('--from=build'))
      .map((line) => line.split(/\s+/).at(-2)!);
    expect(fromBuild).toEqual(['/app/package.json', '/app/node_modules', '/app/dist']);
    for (const file of [
      'dist/main.js',
      'dist/views/verify-email.hbs',
      'dist/views/layouts/main.hbs',
      'dist/views/pages/info.hbs',
    ]) {
      expect(existsSync(join(ROOT, file))).toBe(true);
    }
  });

  it('keeps secrets, dependencies and build output out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.env', '.git']));
  });
});

describe('docker-compose.yml', () => {
  it('has redis, mailpit, api and worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'mailpit', 'redis', 'worker']);
  });

  it('publishes every port on 127.0.0.1 only, and Redis not at all', () => {
    const published = Object.values(compose.services).flatMap((service) => service.ports ?? []);
    expect(published.length).toBeGreaterThan(0);
    for (const port of published) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    expect(compose.services.redis.ports).toBeUndefined();
  });

  it('asks a password of Redis, from .env when set', () => {
    expect(compose.services.redis.command?.join(' ')).toMatch(
      /--requirepass \$\{REDIS_PASSWORD:-[^}]+\}/,
    );
    expect(compose.services.redis.environment?.REDISCLI_AUTH).toMatch(/^\$\{REDIS_PASSWORD:-/);
  });

  it('is a trial deployment unless .env says NODE_ENV=production; the image alone is production', () => {
    for (const name of ['api', 'worker'])
      expect(compose.services[name].environment?.NODE_ENV).toBe('${NODE_ENV:-development}');
    expect(runtime.join('\n')).toMatch(/ENV NODE_ENV=production/);
  });

  it('pins the Redis and Mailpit images to exact releases', () => {
    expect(compose.services.redis.image).toMatch(/^redis:\d+\.\d+\.\d+-alpine$/);
    expect(compose.services.mailpit.image).toMatch(/^axllent\/mailpit:v\d+\.\d+\.\d+$/);
  });

  it('runs Redis with AOF everysec, noeviction and a volume', () => {
    const redis = compose.services.redis;
    expect(redis.command?.join(' ')).toMatch(
      /--appendonly yes --appendfsync everysec --maxmemory-policy noeviction/,
    );
    expect(redis.volumes).toEqual(['redis-data:/data']);
    expect(compose.volumes).toHaveProperty('redis-data');
  });

  it('builds api and worker from the Dockerfile with their roles, .env and Mailpit as SMTP', () => {
    for (const [name, role] of [
      ['api', 'api'],
      ['worker', 'worker'],
    ]) {
      const service = compose.services[name];
      expect(service.build).toBe('.');
      expect(service.environment?.ROLE).toBe(role);
      expect(service.environment?.REDIS_URL).toMatch(
        /^redis:\/\/:\$\{REDIS_PASSWORD:-[^}]+\}@redis:6379$/,
      );
      expect(String(service.environment?.SMTP_URL)).toContain('smtp://mailpit:1025');
      expect(service.env_file).toEqual([{ path: '.env', required: false }]);
    }
    expect(compose.services.api.ports).toEqual(['127.0.0.1:3000:3000']);
    expect(compose.services.worker.ports).toBeUndefined(); // so --scale worker=3 has no port clash
  });

  it('has healthchecks everywhere and starts api and worker only on a healthy Redis', () => {
    for (const service of Object.values(compose.services))
      expect(service.healthcheck?.test.length).toBeGreaterThan(0);
    expect(compose.services.api.depends_on?.redis.condition).toBe('service_healthy');
    expect(compose.services.worker.depends_on?.redis.condition).toBe('service_healthy');
    expect(compose.services.worker.healthcheck?.test.join(' ')).toContain(
      `:${compose.services.worker.environment?.HEALTH_PORT}/health`,
    );
  });
});
