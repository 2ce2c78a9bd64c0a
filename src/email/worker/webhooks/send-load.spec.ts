import { SendLoad } from './send-load';

const loadOf = (slots: number): SendLoad => new SendLoad({ get: () => slots } as never);

describe('SendLoad', () => {
  it('lets a POST go at once while fewer than half the send slots are busy', async () => {
    const load = loadOf(4);
    load.started();
    await expect(load.yieldToSends(60_000)).resolves.toBeUndefined();
  });

  it('holds a POST while half the send slots are busy, until one frees up', async () => {
    const load = loadOf(4);
    load.started();
    load.started();
    let released = false;
    const waiting = load.yieldToSends(60_000).then(() => (released = true));
    await Promise.resolve();
    expect(released).toBe(false);
    load.ended();
    await waiting;
    expect(released).toBe(true);
  });

  it('never holds a POST longer than its bound', async () => {
    jest.useFakeTimers();
    const load = loadOf(1);
    load.started();
    const waiting = load.yieldToSends(5000);
    jest.advanceTimersByTime(5000);
    await expect(waiting).resolves.toBeUndefined();
    jest.useRealTimers();
  });
});
