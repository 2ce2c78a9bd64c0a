import { jsonFile, sha256 } from './support/fixtures';
import { useStack } from './support/service';

/** The key .env.example and the compose trial ship with: public, so never in production. */
const TRIAL_KEY = 'dev-key-change-me-0123456789';

const trialKeyFile = (): string => jsonFile([{ name: 'copied', key_sha256: sha256(TRIAL_KEY) }]);
const RELAY = { name: 'primary', url: 'smtp://user:s3cret@127.0.0.1:1' };

/** A Standard Webhooks secret of 16 bytes: well-formed, but too short to sign with. */
const SHORT_WEBHOOK_SECRET = `whsec_${Buffer.from('sixteen-byte-key').toString('base64')}`;

const GOOD = { API_KEYS: 'app:test-key-app-0123456789', REDIS_URL: 'redis://127.0.0.1:1' };

describe('configuration is validated once at start', () => {
  // No Redis (REDIS_URL points nowhere) and no sink: each test starts the built service itself.
  const stack = useStack(null, { mode: 'process', redis: false, smtp: false });

  it.each([
    [
      'no API key at all',
      { API_KEYS: '' },
      /^Invalid configuration: API_KEYS: set API_KEYS or API_KEYS_FILE$/,
    ],
    [
      'a port out of range',
      { PORT: '70000' },
      /^Invalid configuration: PORT must not be greater than 65535$/,
    ],
    [
      'a port that is not a number',
      { PORT: 'http' },
      /^Invalid configuration: PORT must .*integer/,
    ],
    ['an unknown ROLE', { ROLE: 'both' }, /^Invalid configuration: ROLE must be one of/],
    [
      'a REDIS_URL of another scheme',
      { REDIS_URL: 'http://localhost' },
      /^Invalid configuration: REDIS_URL must be a redis/,
    ],
    [
      'a malformed SMTP_URL',
      { SMTP_URL: 'mail.example.com' },
      /^Invalid configuration: SMTP_URL must look like/,
    ],
    [
      'an API key shorter than 16 characters',
      { API_KEYS: 'app:short' },
      /^Invalid configuration: API_KEYS: entry 1: key must be longer/,
    ],
    [
      'an API_KEYS_FILE that does not exist',
      { API_KEYS: '', API_KEYS_FILE: '/nonexistent/keys.json' },
      /^Invalid configuration: API_KEYS_FILE: cannot read/,
    ],
    [
      'a MAIL_FROM that is not one address',
      { MAIL_FROM: 'a@b.example, c@d.example' },
      /^Invalid configuration: MAIL_FROM: must be one address/,
    ],
    [
      'a LOG_LEVEL pino does not know',
      { LOG_LEVEL: 'loud' },
      /^Invalid configuration: LOG_LEVEL must be one of/,
    ],
    [
      'the public trial key with NODE_ENV=production',
      { NODE_ENV: 'production', API_KEYS: `dev:${TRIAL_KEY},app:test-key-app-0123456789` },
      /^Invalid configuration: API_KEYS: "dev" is the public trial key of \.env\.example/,
    ],
    [
      'the trial key as a key_sha256 in API_KEYS_FILE with NODE_ENV=production',
      { NODE_ENV: 'production', API_KEYS: '', API_KEYS_FILE: trialKeyFile() },
      /^Invalid configuration: API_KEYS: "copied" is the public trial key/,
    ],
    [
      'a WEBHOOK_SECRET too short to sign with',
      { WEBHOOK_URL: 'https://hooks.example/mail', WEBHOOK_SECRET: SHORT_WEBHOOK_SECRET },
      /^Invalid configuration: WEBHOOK_SECRET must decode to at least 24 bytes$/,
    ],
    [
      'a TRANSPORTS_FILE naming a transport twice',
      { TRANSPORTS_FILE: jsonFile([RELAY, RELAY]) },
      /^Invalid configuration: TRANSPORTS_FILE: entry 2: the name "primary" is used twice$/,
    ],
    [
      'a key routed through a transport TRANSPORTS_FILE lacks',
      {
        TRANSPORTS_FILE: jsonFile([RELAY]),
        API_KEYS: '',
        API_KEYS_FILE: jsonFile([
          { name: 'shop', key: 'test-key-shop-0123456789', transports: ['backup'] },
        ]),
      },
      /^Invalid configuration: API_KEYS_FILE: key "shop" lists the unknown transport "backup"$/,
    ],
    [
      'a WEBHOOK_URL without WEBHOOK_SECRET',
      { WEBHOOK_URL: 'https://hooks.example/mail' },
      /^Invalid configuration: WEBHOOK_SECRET must be set when WEBHOOK_URL is$/,
    ],
    [
      'a BOUNCE_DOMAIN that is no domain name',
      { BOUNCE_DOMAIN: 'bounces@shop.example' },
      /^Invalid configuration: BOUNCE_DOMAIN must be a domain name/,
    ],
    [
      'a BOUNCE_SMTP_PORT out of range',
      { BOUNCE_DOMAIN: 'bounces.shop.example', BOUNCE_SMTP_PORT: '70000' },
      /^Invalid configuration: BOUNCE_SMTP_PORT must not be greater than 65535$/,
    ],
    [
      'a BOUNCE_SMTP_PORT without BOUNCE_DOMAIN',
      { BOUNCE_SMTP_PORT: '2525' },
      /^Invalid configuration: BOUNCE_SMTP_PORT: needs BOUNCE_DOMAIN/,
    ],
  ])('exits 1 with one line naming the variable for %s', async (_what, env, line) => {
    const service = await stack.start({ ...GOOD, ...env }, { ready: false });
    expect(await service.exited()).toBe(1);
    const lines = service.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(service.stdout).toBe('');
  });

  it('never echoes the secret it refused', async () => {
    const service = await stack.start(
      { ...GOOD, API_KEYS: 'app:tooshort-secret' },
      { ready: false },
    );
    expect(await service.exited()).toBe(1);
    expect(service.stderr).not.toContain('tooshort-secret');
  });

  it('never echoes a WEBHOOK_SECRET it refused', async () => {
    const service = await stack.start(
      { ...GOOD, WEBHOOK_URL: 'http://127.0.0.1:9/x', WEBHOOK_SECRET: SHORT_WEBHOOK_SECRET },
      { ready: false },
    );
    expect(await service.exited()).toBe(1);
    expect(service.stderr).toMatch(/WEBHOOK_SECRET/);
    expect(service.stderr).not.toContain(SHORT_WEBHOOK_SECRET.slice('whsec_'.length));
  });

  it('starts with the trial key outside production, with a warning', async () => {
    const service = await stack.start({ ...GOOD, API_KEYS: `dev:${TRIAL_KEY}` }, { ready: false });
    const warning = await service.waitForLog((line) => /public trial key/.test(line.msg ?? ''));
    expect(warning.level).toBe('warn');
  });
});
