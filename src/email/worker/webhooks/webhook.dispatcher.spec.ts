import { BullJobSpec } from '../../../redis/bull-internals';
import { HOLD_SLACK_MS, HeldSpec, START_MARGIN_MS, WebhookDispatcher } from './webhook.dispatcher';

const TIMEOUT = 1000;
const BACKOFF = 60_000;

function dispatcherWith(deliver: jest.Mock, attempts = 12) {
  const store = {
    release: jest.fn().mockResolvedValue(undefined),
    retryLater: jest.fn().mockResolvedValue(undefined),
    dueNow: jest.fn().mockResolvedValue(undefined),
  };
  const settings: Record<string, number> = {
    WEBHOOK_TIMEOUT_MS: TIMEOUT,
    WEBHOOK_BACKOFF_MS: BACKOFF,
    WEBHOOK_CONCURRENCY: 2,
    WEBHOOK_ATTEMPTS: attempts,
  };
  const logger = { warn: jest.fn() };
  const dispatcher = new WebhookDispatcher(
    { deliver } as never,
    store as never,
    { get: (name: string) => settings[name] } as never,
    logger as never,
  );
  return { dispatcher, store };
}

const event = (id: string): BullJobSpec => ({
  id,
  name: 'deliver',
  data: JSON.stringify({ owner: 'app', type: 'email.sent', body: '{}' }),
  opts: '{}',
});
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('WebhookDispatcher', () => {
  it('holds an event for the timeout plus the slack, and only with retries to come', () => {
    const { dispatcher } = dispatcherWith(jest.fn());
    const before = Date.now();
    const held = dispatcher.hold(event('e1')) as HeldSpec;
    expect(held.holdMs).toBe(TIMEOUT + HOLD_SLACK_MS);
    expect(held.heldUntil).toBeGreaterThanOrEqual(before + TIMEOUT + HOLD_SLACK_MS);
    expect(held.heldUntil).toBeLessThanOrEqual(Date.now() + TIMEOUT + HOLD_SLACK_MS);
    expect(dispatcherWith(jest.fn(), 1).dispatcher.hold(event('e1'))).toEqual(event('e1'));
  });

  it('tries a held event once written, and releases the delivered ones in one call', async () => {
    const deliver = jest.fn().mockResolvedValue(true);
    const { dispatcher, store } = dispatcherWith(deliver);
    for (const id of ['a', 'b', 'c']) dispatcher.post(dispatcher.hold(event(id)));
    dispatcher.post(event('not-held'));
    await tick();
    await tick();
    const calls = deliver.mock.calls as [string, { type: string }, number][];
    expect(calls.map(([id, job, attempt]) => [id, job.type, attempt])).toEqual([
      ['a', 'email.sent', 1],
      ['b', 'email.sent', 1],
      ['c', 'email.sent', 1],
    ]);
    expect(store.release).toHaveBeenCalledTimes(1);
    expect(store.release).toHaveBeenCalledWith(['a', 'b', 'c']);
  });

  it('leaves a failed first try to Bull, due after the first backoff', async () => {
    const deliver = jest.fn().mockRejectedValue(new Error('the endpoint answered HTTP 500'));
    const { dispatcher, store } = dispatcherWith(deliver);
    const before = Date.now();
    dispatcher.post(dispatcher.hold(event('f')));
    await tick();
    const [id, due, reason] = store.retryLater.mock.calls[0] as [string, number, string];
    expect([id, reason]).toEqual(['f', 'the endpoint answered HTTP 500']);
    expect(due).toBeGreaterThanOrEqual(before + BACKOFF);
    expect(due).toBeLessThanOrEqual(Date.now() + BACKOFF * 1.25);
    expect(store.release).not.toHaveBeenCalled();
  });

  it('does not start a POST so late in the hold that Bull could take the event meanwhile', async () => {
    const deliver = jest.fn().mockResolvedValue(true);
    const { dispatcher, store } = dispatcherWith(deliver);
    const late = dispatcher.hold(event('late')) as HeldSpec;
    late.heldUntil = Date.now() + TIMEOUT + START_MARGIN_MS - 10;
    dispatcher.post(late);
    await tick();
    expect(deliver).not.toHaveBeenCalled();
    expect(store.release).not.toHaveBeenCalled();
  });

  it('on drain, makes what it had not started due now, and so what comes after', async () => {
    const answers: ((delivered: boolean) => void)[] = [];
    const deliver = jest.fn(() => new Promise<boolean>((resolve) => answers.push(resolve)));
    const { dispatcher, store } = dispatcherWith(deliver);
    for (const id of ['x1', 'x2', 'x3', 'x4']) dispatcher.post(dispatcher.hold(event(id)));
    const drained = dispatcher.drain(1000);
    await tick();
    expect(store.dueNow).toHaveBeenCalledWith(['x3', 'x4']);
    answers[0](true);
    const later = dispatcher.hold(event('x5'));
    expect(later).toEqual(event('x5'));
    dispatcher.post({ ...event('x6'), heldUntil: Date.now() + 60_000 } as HeldSpec);
    expect(store.dueNow).toHaveBeenLastCalledWith(['x6']);
    expect(deliver).toHaveBeenCalledTimes(2);
    // One POST still unanswered when the grace ends: not drained; its event stays held.
    expect(await drained).toBe(false);
    expect(store.release).toHaveBeenCalledWith(['x1']);
  });
});
