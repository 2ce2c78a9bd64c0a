import { APP_KEY } from './support/fixtures';
import { useStack } from './support/service';
import { smtpError } from './support/smtp-sink';

const BOARD = { user: 'admin', password: 'board-password-0123' };
const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Reads one sample of a Prometheus text exposition (0 when absent). */
function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('operator surfaces over HTTP', () => {
  const stack = useStack(({ smtp }) => ({
    SMTP_URL: 'smtp://mailer:s3cret-smtp-pass@' + smtp.url.slice('smtp://'.length),
    API_KEYS: `app:${APP_KEY}`,
    BOARD_USER: BOARD.user,
    BOARD_PASSWORD: BOARD.password,
  }));

  beforeAll(() => {
    stack.smtp.onRcpt = (address) =>
      address.startsWith('bounce@') ? smtpError(550, '550 5.7.1 Refused by policy') : undefined;
  });

  const send = async (to: string, subject: string): Promise<string> => {
    const { body } = await stack.service.http
      .post('/send-email/')
      .set('X-API-Key', APP_KEY)
      .send({
        email_to: to,
        email_from: 'no-reply@shop.example',
        subject,
        message: { text: subject, html: `<p>SECRET-BODY ${subject}</p>` },
      })
      .expect(202);
    return (body as { id: string }).id;
  };

  describe('Bull Board at /queues', () => {
    it.each([
      ['the page without credentials', '/queues', undefined],
      ['the page with a wrong password', '/queues', basic(BOARD.user, 'wrong-password')],
      ['the page with a wrong user', '/queues', basic('root', BOARD.password)],
      ['its API without credentials', '/queues/api/queues', undefined],
      ['its API with wrong credentials', '/queues/api/queues', basic(BOARD.user, 'nope')],
      ['its retry API without credentials', '/queues/api/queues/email/retry/failed', undefined],
    ])('401 for %s', async (_what, path, authorization) => {
      const request = path.endsWith('/retry/failed')
        ? stack.service.http.put(path)
        : stack.service.http.get(path);
      const response = await (
        authorization ? request.set('Authorization', authorization) : request
      ).expect(401);
      expect(response.headers['www-authenticate']).toMatch(/^Basic realm="Bull Board"/);
    });

    it('shows the email queue with the right credentials, and job data without bodies', async () => {
      await stack.service.http
        .get('/queues')
        .set('Authorization', basic(BOARD.user, BOARD.password))
        .expect(200)
        .expect('Content-Type', /html/);
      const id = await send('bounce@example.com', 'Board view');
      await expect(stack.service.finished(id)).rejects.toThrow(/550/);
      const { body } = await stack.service.http
        .get('/queues/api/queues?activeQueue=email&status=failed&page=1&jobsPerPage=10')
        .set('Authorization', basic(BOARD.user, BOARD.password))
        .expect(200);
      const queue = (
        body as { queues: { name: string; jobs: { id: string; name: string; data: unknown }[] }[] }
      ).queues.find((q) => q.name === 'email')!;
      const job = queue.jobs.find((j) => j.id === id)!;
      expect(job.name).toBe('bounce@example.com · Board view');
      expect(job.data).toMatchObject({
        to: ['bounce@example.com'],
        subject: 'Board view',
        from: 'no-reply@shop.example',
      });
      expect(JSON.stringify(job)).not.toContain('SECRET-BODY');
    });
  });

  describe('/health', () => {
    it('is 200 with Redis up, and liveness answers', async () => {
      const { body } = await stack.service.http.get('/health').expect(200);
      expect(body).toMatchObject({ status: 'ok', info: { redis: { status: 'up' } } });
      await stack.service.http.get('/health/live').expect(200);
    });
  });

  describe('/metrics', () => {
    it('moves the sent and failed counters, and has queue depth, send duration and HTTP latency', async () => {
      const before = (await stack.service.http.get('/metrics').expect(200)).text;
      const ok = await send('ann@example.com', 'Metrics ok');
      await stack.service.finished(ok);
      const bad = await send('bounce@example.com', 'Metrics bad');
      await expect(stack.service.finished(bad)).rejects.toThrow();
      const after = (await stack.service.http.get('/metrics').expect(200)).text;
      const sent = (text: string): number =>
        metric(text, 'emails_sent_total', 'transport="default"');
      expect(sent(after) - sent(before)).toBe(1);
      expect(
        metric(after, 'emails_failed_total', 'reason="rejected"') -
          metric(before, 'emails_failed_total', 'reason="rejected"'),
      ).toBe(1);
      expect(metric(after, 'email_send_duration_seconds_count')).toBeGreaterThan(
        metric(before, 'email_send_duration_seconds_count'),
      );
      expect(after).toMatch(/email_queue_jobs\{state="failed"\} [1-9]/);
      expect(after).toMatch(
        /http_request_duration_seconds_count\{method="POST",route="\/send-email",status="202"\} [1-9]/,
      );
      expect(after).toContain('process_resident_memory_bytes');
    });
  });

  describe('info page', () => {
    it('/info.json counts what was sent and failed, across the deployment', async () => {
      const before = (await stack.service.http.get('/info.json').expect(200)).body as {
        totals: { sent: number; failed: number };
      };
      await stack.service.finished(await send('ann@example.com', 'Info count'));
      const after = (await stack.service.http.get('/info.json').expect(200)).body as {
        totals: { sent: number };
        minutes: { sent: number }[];
        redis: string;
      };
      expect(after.totals.sent).toBe(before.totals.sent + 1);
      expect(after.redis).toBe('up');
      expect(after.minutes).toHaveLength(60);
      expect(after.minutes.reduce((sum, m) => sum + m.sent, 0)).toBeGreaterThanOrEqual(1);
    });

    it('renders every section as HTML without JavaScript, and no secret', async () => {
      const { text } = await stack.service.http
        .get('/')
        .expect(200)
        .expect('Content-Type', /text\/html/);
      for (const expected of [
        'mail-relay',
        'v0.1.0',
        'Redis up',
        'waiting',
        'failed in all',
        '<svg',
        'href="/docs"',
        'href="/queues"',
        'curl -s',
        'data-template="verify-email"',
        'data-template="reset-password"',
      ]) {
        expect(text).toContain(expected);
      }
      expect(text).toContain('<dd>SMTP</dd>');
      for (const secret of [
        's3cret-smtp-pass',
        APP_KEY,
        BOARD.password,
        'SECRET-BODY',
        '127.0.0.1',
      ])
        expect(text).not.toContain(secret);
    });

    it('sends security headers, with a CSP that allows only its own scripts', async () => {
      const response = await stack.service.http.get('/').expect(200);
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      const api = await stack.service.http.get('/templates').set('X-API-Key', APP_KEY).expect(200);
      expect(api.headers['x-content-type-options']).toBe('nosniff');
      expect(api.headers['content-security-policy']).toBeUndefined();
    });
  });

  describe('/health when Redis is gone', () => {
    it('answers 503 naming Redis', async () => {
      await stack.redis.kill();
      const { body } = await stack.service.http.get('/health').expect(503);
      expect(body).toMatchObject({ status: 'error', error: { redis: { status: 'down' } } });
      await stack.service.http.get('/health/live').expect(200);
      const info = await stack.service.http.get('/info.json').expect(200);
      expect(info.body).toMatchObject({ redis: 'down', queue: null });
    });
  });
});
