import { EventEmitter } from 'node:events';
import type Redis from 'ioredis';
import { withRedis } from './with-redis';

class FakeClient extends EventEmitter {
  constructor(public status: string) {
    super();
  }
  ready(): void {
    this.status = 'ready';
    this.emit('ready');
  }
}

const unavailable = (): Error => new Error('unavailable');
const run = <T>(client: FakeClient, operation: () => Promise<T>, timeoutMs = 200): Promise<T> =>
  withRedis(client as unknown as Redis, Date.now() + timeoutMs, operation, unavailable);

describe('withRedis', () => {
  it('runs the operation on a ready client', async () => {
    await expect(run(new FakeClient('ready'), () => Promise.resolve(42))).resolves.toBe(42);
  });

  it('answers unavailable when the operation outlives the timeout', async () => {
    const started = Date.now();
    await expect(
      run(new FakeClient('ready'), () => new Promise(() => undefined), 100),
    ).rejects.toThrow('unavailable');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('waits for a reconnecting client inside the budget, then runs the operation', async () => {
    const client = new FakeClient('reconnecting');
    const operation = jest.fn(() => Promise.resolve('done'));
    const result = run(client, operation);
    expect(operation).not.toHaveBeenCalled();
    client.ready();
    await expect(result).resolves.toBe('done');
  });

  it('never runs the operation when the client does not come back in time', async () => {
    const client = new FakeClient('reconnecting');
    const operation = jest.fn(() => Promise.resolve('late'));
    await expect(run(client, operation, 50)).rejects.toThrow('unavailable');
    client.ready();
    await new Promise((resolve) => setImmediate(resolve));
    expect(operation).not.toHaveBeenCalled();
  });

  it('shares one ready listener among the requests waiting through an outage', async () => {
    const client = new FakeClient('reconnecting');
    const waiting = Array.from({ length: 50 }, () => run(client, () => Promise.resolve(1)));
    expect(client.listenerCount('ready')).toBe(1);
    client.ready();
    await expect(Promise.all(waiting)).resolves.toHaveLength(50);
  });

  it('passes other errors of a healthy connection on (a bug is a 500, not a 503)', async () => {
    await expect(
      run(new FakeClient('ready'), () => Promise.reject(new TypeError('bug'))),
    ).rejects.toThrow(TypeError);
  });
});
