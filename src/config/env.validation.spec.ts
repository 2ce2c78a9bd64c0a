import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config.error';
import { supervisedEnvironment } from './environment';
import { EnvironmentVariables, VARIABLES, validate } from './env.validation';
import { SUPERVISED_AS } from './role';

const KEYS = { API_KEYS: 'app:test-key-app-0123456789' };

describe('validate (environment)', () => {
  it('fills the defaults of SPEC §2', () => {
    expect(validate(KEYS)).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      REDIS_URL: 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: 'bull',
      OUTBOX_DIR: './outbox',
      ROLE: 'all',
      SEND_ATTEMPTS: 5,
      LOG_LEVEL: 'info',
      MAX_BODY: '10mb',
    });
  });

  it('converts numbers and ignores empty values and unknown variables', () => {
    const env = validate({ ...KEYS, PORT: '8080', WORKER_CONCURRENCY: '', HOME: '/root' });
    expect(env.PORT).toBe(8080);
    expect(env.WORKER_CONCURRENCY).toBe(new EnvironmentVariables().WORKER_CONCURRENCY);
    expect(env).not.toHaveProperty('HOME');
  });

  it('knows every variable of SPEC §2', () => {
    const names = Object.keys(new EnvironmentVariables());
    for (const name of [
      'PORT',
      'HOST',
      'REDIS_URL',
      'QUEUE_PREFIX',
      'SMTP_URL',
      'OUTBOX_DIR',
      'MAIL_FROM',
      'API_KEYS',
      'API_KEYS_FILE',
      'ROLE',
      'WORKER_CONCURRENCY',
      'SEND_ATTEMPTS',
      'SEND_BACKOFF_MS',
      'LOG_LEVEL',
      'LOG_FILE',
      'MAX_BODY',
    ]) {
      expect(names).toContain(name);
    }
  });

  it.each([
    [{ PORT: '-1' }, /^PORT/],
    [{ SEND_ATTEMPTS: '0' }, /^SEND_ATTEMPTS/],
    [{ SMTP_URL: 'http://mail.example' }, /^SMTP_URL/],
    [{ MAX_BODY: 'lots' }, /^MAX_BODY/],
    [{ QUEUE_PREFIX: 'a b' }, /^QUEUE_PREFIX/],
    [{ MAIL_FROM: 'nobody' }, /^MAIL_FROM/],
    [{ API_KEYS: '' }, /^API_KEYS/],
  ])('refuses %j with a message naming it', (patch, message) => {
    expect(() => validate({ ...KEYS, ...patch })).toThrow(ConfigError);
    expect(() => validate({ ...KEYS, ...patch })).toThrow(message);
  });

  it('does not echo secrets in its messages', () => {
    expect(() => validate({ ...KEYS, SMTP_URL: 'smtp://user:hunter2@mail example' })).toThrow(
      /^SMTP_URL must/,
    );
    try {
      validate({ ...KEYS, SMTP_URL: 'smtp://user:hunter2@mail example' });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it.each([
    [{ API_PROCESSES: '0' }, /^API_PROCESSES must be a whole number from 1 to 64$/],
    [{ WORKER_PROCESSES: 'many' }, /^WORKER_PROCESSES must be a whole number from 1 to 64$/],
    [{ WORKER_PROCESSES: '65' }, /^WORKER_PROCESSES must be a whole number from 1 to 64$/],
  ])('refuses process counts like %j, saying what it takes', (patch, message) => {
    expect(() => validate({ ...KEYS, ...patch })).toThrow(message);
  });

  it('gives a supervised worker process its share of WORKER_CONCURRENCY', () => {
    const all = { ...KEYS, WORKER_CONCURRENCY: '5', API_PROCESSES: '1', WORKER_PROCESSES: '2' };
    const supervisor = validate(all, 2, false);
    expect(supervisor.WORKER_CONCURRENCY).toBe(5);
    expect(supervisor.plan.supervise).toMatchObject({ worker: 2, concurrencyPerWorker: [3, 2] });
    const forked = supervisedEnvironment(supervisor, 'worker-2');
    expect(forked).toMatchObject({
      [SUPERVISED_AS]: 'worker-2',
      WORKER_CONCURRENCY: '5',
      API_PROCESSES: '1',
      WORKER_PROCESSES: '2',
      API_KEYS: KEYS.API_KEYS,
    });
    const worker = validate(forked, 2, true);
    expect(worker.plan).toMatchObject({ api: false, worker: true, label: 'worker-2' });
    expect(worker.WORKER_CONCURRENCY).toBe(2);
  });

  it('passes the counts the supervisor resolved, not the CPU count of whoever reads them', () => {
    const supervisor = validate(KEYS, 6, false);
    expect(supervisedEnvironment(supervisor, 'api-1')).toMatchObject({
      API_PROCESSES: '3',
      WORKER_PROCESSES: '3',
    });
  });

  it('refuses the supervisor’s variable in a process it did not fork', () => {
    expect(() => validate({ ...KEYS, [SUPERVISED_AS]: 'api-1' }, 2, false)).toThrow(
      new RegExp(`^${SUPERVISED_AS}: set by the ROLE=all supervisor only`),
    );
  });

  it("has every variable documented in .env.example and in README.md's Configuration table", () => {
    const root = join(__dirname, '..', '..');
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Pages'));
    expect(VARIABLES.filter((name) => !new RegExp(`^(# )?${name}=`, 'm').test(example))).toEqual(
      [],
    );
    expect(
      VARIABLES.filter(
        (name) => !table.includes(`| \`${name}\``) && !table.includes(`, \`${name}\``),
      ),
    ).toEqual([]);
  });
});
