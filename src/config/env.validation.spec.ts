import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config.error';
import { supervisedEnvironment } from './environment';
import { EnvironmentVariables, VARIABLES, validate } from './env.validation';
import { SUPERVISED_AS } from './role';

const KEYS = { API_KEYS: 'app:test-key-app-0123456789' };
const HOOK_KEY = Buffer.from('a-24-byte-signing-secret');
const HOOK = {
  WEBHOOK_URL: 'http://127.0.0.1:9/x',
  WEBHOOK_SECRET: `whsec_${HOOK_KEY.toString('base64')}`,
};

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
      WEBHOOK_ATTEMPTS: 12,
      WEBHOOK_BACKOFF_MS: 60_000,
      WEBHOOK_TIMEOUT_MS: 10_000,
      WEBHOOK_CONCURRENCY: 8,
    });
    expect(validate(KEYS).webhookDefault).toBeUndefined();
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
      'WEBHOOK_URL',
      'WEBHOOK_SECRET',
      'WEBHOOK_ATTEMPTS',
      'WEBHOOK_BACKOFF_MS',
      'WEBHOOK_TIMEOUT_MS',
      'WEBHOOK_CONCURRENCY',
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
    [{ WEBHOOK_ATTEMPTS: '0' }, /^WEBHOOK_ATTEMPTS must not be less than 1$/],
    [{ WEBHOOK_ATTEMPTS: '51' }, /^WEBHOOK_ATTEMPTS must not be greater than 50$/],
    [{ WEBHOOK_BACKOFF_MS: '9' }, /^WEBHOOK_BACKOFF_MS must not be less than 10$/],
    [{ WEBHOOK_BACKOFF_MS: '86400001' }, /^WEBHOOK_BACKOFF_MS must not be greater/],
    [{ WEBHOOK_TIMEOUT_MS: '99' }, /^WEBHOOK_TIMEOUT_MS must not be less than 100$/],
    [{ WEBHOOK_TIMEOUT_MS: '60001' }, /^WEBHOOK_TIMEOUT_MS must not be greater than 60000$/],
    [{ WEBHOOK_CONCURRENCY: '0' }, /^WEBHOOK_CONCURRENCY must not be less than 1$/],
    [{ WEBHOOK_CONCURRENCY: '1.5' }, /^WEBHOOK_CONCURRENCY must be an integer/],
    [{ WEBHOOK_URL: HOOK.WEBHOOK_URL }, /^WEBHOOK_SECRET must be set when WEBHOOK_URL is$/],
    [{ WEBHOOK_SECRET: HOOK.WEBHOOK_SECRET }, /^WEBHOOK_URL must be set when WEBHOOK_SECRET is$/],
    [{ ...HOOK, WEBHOOK_URL: 'http://example.com' }, /^WEBHOOK_URL must be https/],
    [{ ...HOOK, WEBHOOK_SECRET: 'c2hvcnQ=' }, /^WEBHOOK_SECRET must start with whsec_/],
    [{ BOUNCE_DOMAIN: 'localhost' }, /^BOUNCE_DOMAIN must be a domain name/],
    [{ BOUNCE_DOMAIN: 'bad_domain.example' }, /^BOUNCE_DOMAIN must be a domain name/],
    [{ BOUNCE_DOMAIN: 'ann@bounces.example' }, /^BOUNCE_DOMAIN must be a domain name/],
    [{ BOUNCE_DOMAIN: '-x.example' }, /^BOUNCE_DOMAIN must be a domain name/],
    [{ BOUNCE_DOMAIN: 'b.example', BOUNCE_SMTP_PORT: '0' }, /^BOUNCE_SMTP_PORT must not be less/],
    [{ BOUNCE_DOMAIN: 'b.example', BOUNCE_SMTP_PORT: '65536' }, /^BOUNCE_SMTP_PORT must not be/],
    [{ BOUNCE_SMTP_PORT: '2525' }, /^BOUNCE_SMTP_PORT: needs BOUNCE_DOMAIN/],
    [
      { DKIM_KEYS_FILE: '/nonexistent/dkim.json' },
      /^DKIM_KEYS_FILE: cannot read \/nonexistent\/dkim\.json \(ENOENT\)$/,
    ],
  ])('refuses %j with a message naming it', (patch, message) => {
    expect(() => validate({ ...KEYS, ...patch })).toThrow(ConfigError);
    expect(() => validate({ ...KEYS, ...patch })).toThrow(message);
  });

  it('takes the bounce settings: the domain lowercased, the listener off unless a port is set', () => {
    expect(validate(KEYS)).toMatchObject({ BOUNCE_SMTP_HOST: '0.0.0.0' });
    expect(validate(KEYS).BOUNCE_DOMAIN).toBeUndefined();
    expect(validate(KEYS).BOUNCE_SMTP_PORT).toBeUndefined();
    const env = validate({
      ...KEYS,
      BOUNCE_DOMAIN: 'Bounces.Shop.Example',
      BOUNCE_SMTP_PORT: '25',
    });
    expect(env).toMatchObject({ BOUNCE_DOMAIN: 'bounces.shop.example', BOUNCE_SMTP_PORT: 25 });
    expect(validate({ ...KEYS, BOUNCE_DOMAIN: 'xn--bcher-kva.example' }).BOUNCE_DOMAIN).toBe(
      'xn--bcher-kva.example',
    );
  });

  it('parses WEBHOOK_URL and WEBHOOK_SECRET once, and passes them to supervised processes', () => {
    const env = validate({ ...KEYS, ...HOOK, WEBHOOK_CONCURRENCY: '3' });
    expect(env.webhookDefault).toEqual({ url: HOOK.WEBHOOK_URL, secret: HOOK_KEY });
    expect(env.WEBHOOK_CONCURRENCY).toBe(3);
    const forked = supervisedEnvironment(env, 'worker-1');
    expect(forked).toMatchObject({ ...HOOK, WEBHOOK_CONCURRENCY: '3', WEBHOOK_ATTEMPTS: '12' });
    expect(validate(forked, 2, true).webhookDefault).toEqual(env.webhookDefault);
    expect(validate({ ...KEYS, WEBHOOK_URL: '', WEBHOOK_SECRET: '' }).webhookDefault).toBe(
      undefined,
    );
  });

  it('does not echo a refused WEBHOOK_SECRET', () => {
    const secret = `whsec_${Buffer.alloc(16, 7).toString('base64')}`;
    expect(() => validate({ ...KEYS, ...HOOK, WEBHOOK_SECRET: secret })).toThrow(
      /^WEBHOOK_SECRET must decode to at least 24 bytes$/,
    );
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
