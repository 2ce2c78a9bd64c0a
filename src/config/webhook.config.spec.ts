import { ConfigError } from './config.error';
import {
  WEBHOOK_EVENT_TYPES,
  loadDefaultWebhook,
  parseWebhookEndpoint,
  parseWebhookSecret,
  parseWebhookUrl,
} from './webhook.config';

const KEY = Buffer.from('a-24-byte-signing-secret');
const SECRET = `whsec_${KEY.toString('base64')}`;
const URL_OK = 'https://hooks.example/mail';

/** The ConfigError `run` throws (fails the test when it throws none or another kind). */
function refusal(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('nothing thrown');
}

describe('parseWebhookUrl', () => {
  it.each([
    ['https://hooks.example/mail?app=shop', 'https://hooks.example/mail?app=shop'],
    ['http://127.0.0.1:9/x', 'http://127.0.0.1:9/x'],
    ['http://127.8.9.10/x', 'http://127.8.9.10/x'],
    ['http://localhost:8080/hook', 'http://localhost:8080/hook'],
    ['http://[::1]:9/x', 'http://[::1]:9/x'],
    ['http://10.1.2.3', 'http://10.1.2.3/'],
    ['http://172.16.0.1/h', 'http://172.16.0.1/h'],
    ['http://172.31.255.255/h', 'http://172.31.255.255/h'],
    ['http://192.168.1.20/h', 'http://192.168.1.20/h'],
    ['http://169.254.169.254/h', 'http://169.254.169.254/h'],
    ['http://[fd12:3456::1]/h', 'http://[fd12:3456::1]/h'],
    ['http://[fe80::1]/h', 'http://[fe80::1]/h'],
  ])('accepts %s', (url, normalized) => {
    expect(parseWebhookUrl(url, 'WEBHOOK_URL')).toBe(normalized);
  });

  const HTTPS_ONLY = /^WEBHOOK_URL must be https \(http only on loopback or private addresses\)$/;
  it.each([
    ['http://example.com', HTTPS_ONLY],
    ['http://localhost.example/h', HTTPS_ONLY],
    ['http://8.8.8.8/h', HTTPS_ONLY],
    ['http://172.32.0.1/h', HTTPS_ONLY],
    ['http://0.0.0.0/h', HTTPS_ONLY],
    ['http://[2001:db8::1]/h', HTTPS_ONLY],
    ['http://[fec0::1]/h', HTTPS_ONLY],
    ['ftp://127.0.0.1/h', HTTPS_ONLY],
    ['not a url', /^WEBHOOK_URL must be an absolute URL/],
    ['/relative/path', /^WEBHOOK_URL must be an absolute URL/],
    [42, /^WEBHOOK_URL must be an absolute URL/],
    [undefined, /^WEBHOOK_URL must be an absolute URL/],
    ['https://user:pw@hooks.example/h', /^WEBHOOK_URL must not carry credentials/],
    ['https://user@hooks.example/h', /^WEBHOOK_URL must not carry credentials/],
    ['https://hooks.example/h#part', /^WEBHOOK_URL must not have a fragment/],
    ['https://hooks.example/h#', /^WEBHOOK_URL must not have a fragment/],
  ])('refuses %j', (url, message) => {
    expect(refusal(() => parseWebhookUrl(url, 'WEBHOOK_URL')).message).toMatch(message);
  });

  it('does not echo the URL (it may carry a token)', () => {
    const error = refusal(() => parseWebhookUrl('https://user:pw-123@hooks.example/h', 'U'));
    expect(error.message).not.toContain('pw-123');
  });
});

describe('parseWebhookSecret', () => {
  it('returns the base64-decoded part after whsec_', () => {
    expect(parseWebhookSecret(SECRET, 'WEBHOOK_SECRET').equals(KEY)).toBe(true);
    const long = Buffer.alloc(64, 0xfb);
    expect(parseWebhookSecret(`whsec_${long.toString('base64')}`, 'S').equals(long)).toBe(true);
  });

  const short = `whsec_${Buffer.alloc(16, 1).toString('base64')}`;
  it.each([
    ['too short (16 bytes)', short, /^WEBHOOK_SECRET must decode to at least 24 bytes$/],
    ['without whsec_', KEY.toString('base64'), /^WEBHOOK_SECRET must start with whsec_/],
    ['with another prefix', `whsek_${KEY.toString('base64')}`, /must start with whsec_/],
    ['not a string', 24, /^WEBHOOK_SECRET must start with whsec_/],
    ['missing', undefined, /^WEBHOOK_SECRET must start with whsec_/],
    ['whsec_ alone', 'whsec_', /^WEBHOOK_SECRET must be whsec_ followed by padded/],
    ['not base64', `${SECRET.slice(0, -4)}!!!!`, /must be whsec_ followed by padded/],
    ['base64url', `whsec_${Buffer.alloc(24, 0xfb).toString('base64url')}`, /followed by/],
    ['with a space', `${SECRET.slice(0, 12)} ${SECRET.slice(12)}`, /followed by/],
    [
      'unpadded',
      `whsec_${Buffer.alloc(25, 1).toString('base64').replace(/=+$/, '')}`,
      /followed by/,
    ],
    ['with = inside', `${SECRET.slice(0, 12)}=${SECRET.slice(13)}`, /followed by/],
  ])('refuses a secret %s, without echoing it', (_what, secret, message) => {
    const error = refusal(() => parseWebhookSecret(secret, 'WEBHOOK_SECRET'));
    expect(error.message).toMatch(message);
    if (typeof secret === 'string' && secret.length > 6) {
      expect(error.message).not.toContain(secret);
      expect(error.message).not.toContain(secret.slice(6));
    }
  });
});

describe('parseWebhookEndpoint', () => {
  const WHERE = 'API_KEYS_FILE: entry 2: webhook';

  it('reads url, secret and an events filter', () => {
    const endpoint = parseWebhookEndpoint(
      { url: URL_OK, secret: SECRET, events: ['email.bounced', 'email.failed'] },
      WHERE,
    );
    expect(endpoint.url).toBe(URL_OK);
    expect(endpoint.secret.equals(KEY)).toBe(true);
    expect([...endpoint.events!]).toEqual(['email.bounced', 'email.failed']);
  });

  it('takes every type when events is unset, and accepts all of them listed', () => {
    expect(parseWebhookEndpoint({ url: URL_OK, secret: SECRET }, WHERE).events).toBeUndefined();
    const all = { url: URL_OK, secret: SECRET, events: [...WEBHOOK_EVENT_TYPES] };
    expect(parseWebhookEndpoint(all, WHERE).events!.size).toBe(7);
  });

  const ENTRY = { url: URL_OK, secret: SECRET };
  it.each([
    ['null', null, /^API_KEYS_FILE: entry 2: webhook must be an object/],
    ['a string', URL_OK, /^API_KEYS_FILE: entry 2: webhook must be an object/],
    ['an array', [URL_OK, SECRET], /^API_KEYS_FILE: entry 2: webhook must be an object/],
    ['a misspelt field', { ...ENTRY, event: ['email.sent'] }, /: unknown field "event"/],
    [
      'a public http url',
      { ...ENTRY, url: 'http://example.com' },
      /^API_KEYS_FILE: entry 2: webhook\.url must be https \(http only on loopback or private/,
    ],
    ['no url', { secret: SECRET }, /^API_KEYS_FILE: entry 2: webhook\.url must be an absolute/],
    ['no secret', { url: URL_OK }, /^API_KEYS_FILE: entry 2: webhook\.secret must start with/],
    ['empty events', { ...ENTRY, events: [] }, /webhook\.events must be a non-empty array/],
    ['events not a list', { ...ENTRY, events: 'email.sent' }, /webhook\.events must be a non/],
    [
      'an unknown event type',
      { ...ENTRY, events: ['email.sent', 'email.opened'] },
      /^API_KEYS_FILE: entry 2: webhook\.events: "email\.opened" is not one of email\.sent, /,
    ],
    ['a number as event', { ...ENTRY, events: [7] }, /webhook\.events: 7 is not one of/],
    [
      'a type listed twice',
      { ...ENTRY, events: ['email.sent', 'email.failed', 'email.sent'] },
      /webhook\.events: "email\.sent" is listed twice$/,
    ],
  ])('refuses %s, naming where and what', (_what, raw, message) => {
    const error = refusal(() => parseWebhookEndpoint(raw, WHERE));
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(KEY.toString('base64'));
  });
});

describe('loadDefaultWebhook (WEBHOOK_URL, WEBHOOK_SECRET)', () => {
  it('is unset when neither is set, and an endpoint for every type when both are', () => {
    expect(loadDefaultWebhook()).toBeUndefined();
    const endpoint = loadDefaultWebhook('http://127.0.0.1:9/x', SECRET);
    expect(endpoint).toEqual({ url: 'http://127.0.0.1:9/x', secret: KEY });
  });

  it.each([
    [URL_OK, undefined, /^WEBHOOK_SECRET must be set when WEBHOOK_URL is$/],
    [undefined, SECRET, /^WEBHOOK_URL must be set when WEBHOOK_SECRET is$/],
    ['http://example.com', SECRET, /^WEBHOOK_URL must be https/],
    [URL_OK, 'whsec_c2hvcnQ=', /^WEBHOOK_SECRET must decode to at least 24 bytes$/],
  ])(
    'refuses WEBHOOK_URL=%s with WEBHOOK_SECRET=%s, naming the variable',
    (url, secret, message) => {
      const error = refusal(() => loadDefaultWebhook(url, secret));
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('c2hvcnQ');
    },
  );
});
