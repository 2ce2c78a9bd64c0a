import { performance } from 'node:perf_hooks';
import { freePort } from './redis';
import { WebhookReceiver } from './webhook-receiver';
import { WEBHOOK_DRAIN_SECONDS, drained } from './webhooks';

let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await WebhookReceiver.start(await freePort());
});

afterAll(() => receiver.close());

it('answers every POST 204 at once and counts it; other methods are not counted', async () => {
  const post = (): Promise<number> =>
    fetch(receiver.url, { method: 'POST', body: '{"type":"email.sent"}' }).then((r) => r.status);
  expect(await Promise.all([post(), post(), post()])).toEqual([204, 204, 204]);
  expect((await fetch(receiver.url)).status).toBe(405);
  await receiver.reached(3);
  expect(await receiver.count()).toBe(3);
});

describe('drained', () => {
  // `since` set back so that the deadline, WEBHOOK_DRAIN_SECONDS after it, is 0.2 s away.
  const soon = (): number => performance.now() - WEBHOOK_DRAIN_SECONDS * 1000 + 200;

  it('answers the seconds since the last mail once the receiver has them all', async () => {
    const since = performance.now();
    expect(await drained(receiver, await receiver.count(), since)).toBeLessThan(1);
  });

  it('fails at the deadline, saying how many events are missing', async () => {
    const goal = (await receiver.count()) + 2;
    await expect(drained(receiver, goal, soon())).rejects.toThrow(
      `webhooks: 2 events missing ${WEBHOOK_DRAIN_SECONDS} s after the last mail`,
    );
  });
});
