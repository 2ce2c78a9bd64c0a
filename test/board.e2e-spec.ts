import type { Job } from 'bull';
import { LOGIN_FAILURES } from '../src/ops/board/login-throttle';
import { APP_KEY, acceptedId, textMail } from './support/fixtures';
import { useStack } from './support/service';
import { smtpError } from './support/smtp-sink';

const BOARD = { user: 'admin', password: 'board-password-0123' };
const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ADMIN = basic(BOARD.user, BOARD.password);
const API = '/queues/api/queues/email';

describe('Bull Board: inspect, retry and promote, nothing more', () => {
  const stack = useStack(() => ({
    API_KEYS: `app:${APP_KEY}`,
    BOARD_USER: BOARD.user,
    BOARD_PASSWORD: BOARD.password,
  }));
  let refuse = true;
  let failedId: string;
  let scheduledId: string;

  beforeAll(async () => {
    stack.smtp.onRcpt = (address) =>
      refuse && address.startsWith('bounce@')
        ? smtpError(550, '550 5.7.1 Refused by policy')
        : undefined;
    const send = (body: object): Promise<string> => acceptedId(stack.service.http, body);
    failedId = await send(textMail('Board failed', { email_to: 'bounce@example.com' }));
    await expect(stack.service.finished(failedId)).rejects.toThrow(/550/);
    const later = new Date(Date.now() + 3_600_000).toISOString();
    scheduledId = await send(textMail('Board scheduled', { send_at: later }));
  });

  const board = (method: 'get' | 'put' | 'post' | 'patch', path: string, body?: object) => {
    const call = stack.service.http[method](path).set('Authorization', ADMIN);
    return body ? call.send(body) : call;
  };
  const jobData = async (id: string): Promise<unknown> =>
    ((await stack.service.queue.getJob(id)) as Job).data;

  it.each([
    ['add a job', 'post', `${API}/add`, { name: 'send', data: { subject: 'forged' } }],
    ['edit a job’s data', 'patch', 'SCHEDULED/update-data', { data: { subject: 'edited' } }],
    ['change a job’s delay', 'patch', 'SCHEDULED/delay', { delay: 0 }],
    ['remove one job', 'put', 'SCHEDULED/clean', undefined],
    ['remove the failed jobs', 'put', `${API}/clean/failed`, undefined],
    ['empty the queue', 'put', `${API}/empty`, undefined],
    ['obliterate the queue', 'put', `${API}/obliterate`, undefined],
    ['pause the queue', 'put', `${API}/pause`, undefined],
    ['pause every queue', 'put', '/queues/api/queues/pause', undefined],
  ] as const)(
    'refuses to %s, even with the right credentials',
    async (_what, method, path, body) => {
      const before = [await jobData(scheduledId), await stack.service.queue.getJobCounts()];
      const url = path.replace('SCHEDULED', `${API}/${scheduledId}`);
      const response = await board(method, url, body).expect(403);
      expect(response.body).toMatchObject({ statusCode: 403, code: 'forbidden' });
      expect([await jobData(scheduledId), await stack.service.queue.getJobCounts()]).toEqual(
        before,
      );
      expect(await stack.service.queue.isPaused()).toBe(false);
    },
  );

  it('retries a failed job and promotes a scheduled one', async () => {
    refuse = false;
    await board('put', `${API}/${failedId}/retry`).expect(204);
    await board('put', `${API}/${scheduledId}/promote`).expect(204);
    await stack.smtp.waitForUnique('Board failed', 1);
    await stack.smtp.waitForUnique('Board scheduled', 1);
  });

  it(`refuses a client after ${LOGIN_FAILURES} failed logins, even with the right password`, async () => {
    for (let i = 0; i < LOGIN_FAILURES; i++)
      await stack.service.http
        .get('/queues')
        .set('Authorization', basic('admin', `guess-${i}`))
        .expect(401);
    const response = await board('get', '/queues').expect(429);
    expect(response.body).toMatchObject({ statusCode: 429, code: 'rate_limited' });
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  });
});
