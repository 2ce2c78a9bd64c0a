import { freePort } from './redis';
import { WebhookReceiver } from './webhook-receiver';

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
