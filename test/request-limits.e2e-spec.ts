import { request as httpRequest } from 'node:http';
import { APP_KEY, jsonFile, textMail } from './support/fixtures';
import { useStack } from './support/service';

const LIMITED_KEY = 'test-key-limited-0123456789';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Sends the headers and only the first part of a body that claims `length` bytes, and waits
 * for the answer without ever finishing the body: a server that read the body first would
 * never answer.
 */
function answerToPartialBody(
  port: number,
  headers: Record<string, string>,
  length: number,
  start: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/send-email/',
        headers: { ...headers, 'Content-Length': String(length) },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode!, body: JSON.parse(text) as Record<string, unknown> });
        });
      },
    );
    req.on('error', reject);
    req.write(start);
  });
}

describe('request limits: authentication before the body, body sizes, rate limits that count emails', () => {
  const stack = useStack(() => ({
    API_KEYS: `app:${APP_KEY}`,
    API_KEYS_FILE: jsonFile([{ name: 'limited', key: LIMITED_KEY, rate_limit_per_minute: 5 }]),
  }));
  const NINE_MB = 9 * 1024 * 1024;
  const json = { 'Content-Type': 'application/json' };

  describe('a request without a valid key is answered 401 before its body is read', () => {
    it.each([
      ['no key', json],
      ['an unknown key', { ...json, 'X-API-Key': 'not-a-key-of-this-service-0000' }],
      ['an unknown bearer token', { ...json, Authorization: 'Bearer not-a-key-0000000000' }],
      ['no key and a text body', { 'Content-Type': 'text/plain' }],
    ])('%s, 9 MB announced and 64 KB sent', async (_what, headers) => {
      const answer = await answerToPartialBody(
        stack.service.port,
        headers,
        NINE_MB,
        `{"x":"${'a'.repeat(65_536)}`,
      );
      expect(answer).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    });

    it.each([
      ['malformed JSON', '{"email_to": '],
      ['a body over MAX_BODY', 'x'.repeat(11 * 1024 * 1024)],
    ])('401 for %s without a key, not 400 or 413', async (_what, body) => {
      const response = await stack.service.http
        .post('/send-email/')
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(401);
      expect(response.body.code).toBe('unauthorized');
    });

    it('with a valid key the same body is read: 413 over MAX_BODY', async () => {
      const response = await stack.service.http
        .post('/send-email/')
        .set('X-API-Key', APP_KEY)
        .set('Content-Type', 'application/json')
        .send('x'.repeat(11 * 1024 * 1024))
        .expect(413);
      expect(response.body.code).toBe('payload_too_large');
    });
  });

  it('does not parse a body on a route that takes none', async () => {
    const response = await stack.service.http
      .get('/templates')
      .set('X-API-Key', APP_KEY)
      .set('Content-Type', 'application/json')
      .send('{"not json')
      .expect(200);
    expect(Array.isArray(response.body)).toBe(true);
  });

  describe('bodies a worker can turn into a mail without stalling', () => {
    const MB = 1024 * 1024;
    it.each([
      ['message.html', { html: `<p>${'x'.repeat(MB)}</p>` }],
      ['message.text', { text: 'x'.repeat(MB + 1) }],
    ])('400 for a %s over 1 MB', async (field, message) => {
      const response = await stack.service.http
        .post('/send-email/')
        .set('X-API-Key', APP_KEY)
        .send(textMail('Too big', { message }))
        .expect(400);
      expect(response.body.errors[0].field).toBe(field);
    });

    it('accepts an HTML body of 1 MB, and a larger attachment', async () => {
      const html = `<p>${'x'.repeat(MB - 7)}</p>`;
      const content = Buffer.alloc(3 * MB, 1).toString('base64');
      const attachments = [{ filename: 'big.bin', content }];
      for (const extra of [{ message: { html } }, { attachments }]) {
        const { body } = await stack.service.http
          .post('/send-email/')
          .set('X-API-Key', APP_KEY)
          .send(textMail('Big enough', extra))
          .expect(202);
        await stack.service.finished((body as { id: string }).id);
      }
      expect(stack.smtp.bySubject('Big enough')).toHaveLength(2);
    });
  });

  describe('rate limits count emails', () => {
    const batch = (n: number, subject: string): object => ({
      emails: Array.from({ length: n }, (_, i) => textMail(`${subject} ${i}`)),
    });
    const postBatch = (body: object) =>
      stack.service.http.post('/send-email/batch').set('X-API-Key', LIMITED_KEY).send(body);
    const queued = async (prefix: string): Promise<number> =>
      (
        await stack.service.queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed'])
      ).filter((job) => (job?.data as { subject: string }).subject.startsWith(prefix)).length;

    it('a batch of N uses N; one over what is left is refused whole with 429, nothing queued', async () => {
      const first = await postBatch(batch(3, 'Budget A')).expect(202);
      expect(first.headers['ratelimit-limit']).toBe('5');
      expect(first.headers['ratelimit-remaining']).toBe('2');

      const refused = await postBatch(batch(3, 'Budget B')).expect(429);
      expect(refused.body).toMatchObject({ statusCode: 429, code: 'rate_limited' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(refused.headers['ratelimit-reset'])).toBeGreaterThan(0);
      expect(refused.headers['ratelimit-remaining']).toBe('2');
      expect(await queued('Budget B')).toBe(0);

      // The refused batch used none of the budget: 2 more still fit, then nothing.
      const last = await postBatch(batch(2, 'Budget C')).expect(202);
      expect(last.headers['ratelimit-remaining']).toBe('0');
      await stack.service.http
        .post('/send-email/')
        .set('X-API-Key', LIMITED_KEY)
        .send(textMail('Budget D'))
        .expect(429);
      expect(await queued('Budget')).toBe(5);
    });
  });
});
