/**
 * The baseline does the work the bench's report says it does: API keys, validation, status
 * from Bull's job, and the mail reaches the SMTP server.
 */
import { Running, start, stop } from './launch';
import { BODY } from './load';
import { BenchRedis, freePort } from './redis';
import { CountingSink } from './sink';
import { BASELINE, KEY } from './targets';

let redis: BenchRedis;
let sink: CountingSink;
let baseline: Running;

beforeAll(async () => {
  redis = await BenchRedis.start();
  sink = await CountingSink.start(await freePort());
  const target = { ...BASELINE, env: { API_KEYS: `bench:${KEY},other:other-key-0123456789` } };
  baseline = await start(target, { redisUrl: redis.url, smtpPort: sink.port });
});

afterAll(async () => {
  await stop(baseline);
  await sink.close();
  await redis.stop();
});

const send = (
  body: unknown,
  headers: Record<string, string> = { 'x-api-key': KEY },
): Promise<Response> =>
  fetch(`${baseline.url}/send-email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const mail = JSON.parse(BODY) as Record<string, unknown>;

it('refuses a missing or wrong key, and takes X-API-Key or Bearer', async () => {
  expect((await send(mail, {})).status).toBe(401);
  expect((await send(mail, { 'x-api-key': 'wrong' })).status).toBe(401);
  expect((await send(mail, { authorization: `Bearer ${KEY}` })).status).toBe(202);
});

it.each([
  ['no subject', { subject: undefined }],
  ['a subject with a line break', { subject: 'a\r\nBcc: x@y.z' }],
  ['a bad address', { email_to: 'not an address' }],
  ['51 recipients', { email_to: Array<string>(51).fill('a@example.com') }],
  ['no text or html', { message: {} }],
  ['a number for text', { message: { text: 5 } }],
])('answers 400 JSON for %s', async (_, change) => {
  const response = await send({ ...mail, ...change });
  expect(response.status).toBe(400);
  expect(await response.json()).toMatchObject({ error: 'validation_failed' });
});

it("sends the mail and answers its status from Bull's job, to its own key only", async () => {
  const before = await sink.count();
  const response = await send({ ...mail, email_to: ['ann@example.com', 'Bob <bob@example.com>'] });
  expect(response.status).toBe(202);
  const { id } = (await response.json()) as { id: string };
  await sink.reached(before + 1);
  const status = async (key: string): Promise<{ status?: string }> =>
    (
      await fetch(`${baseline.url}/send-email/${id}`, { headers: { 'x-api-key': key } })
    ).json() as Promise<{
      status?: string;
    }>;
  let answer = await status(KEY);
  for (let i = 0; i < 250 && answer.status !== 'sent'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    answer = await status(KEY);
  }
  expect(answer).toMatchObject({ id, status: 'sent', attempts: 0 });
  expect(await status('other-key-0123456789')).toEqual({});
});
