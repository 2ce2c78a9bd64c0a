import type { Queue } from 'bull';
import type { PinoLogger } from 'nestjs-pino';
import { RESTATE_MS, TransportState, readTransportStates } from './transport.state';

function fakeQueue(stored: Record<string, string> = {}) {
  const hset = jest.fn((_key: string, field: string, value: string) => {
    stored[field] = value;
    return Promise.resolve(1);
  });
  const client = { hset, hgetall: () => Promise.resolve(stored) };
  const queue = { client, toKey: (name: string) => `bull:email:${name}` } as unknown as Queue;
  return { queue, hset, stored };
}

describe('TransportState', () => {
  const logger = { warn: jest.fn() } as unknown as PinoLogger;

  it('writes a change at once, and an unchanged outcome at most every RESTATE_MS', () => {
    const { queue, hset } = fakeQueue();
    const state = new TransportState(queue, logger);
    state.record('a', true, 0);
    state.record('a', true, RESTATE_MS - 1);
    expect(hset).toHaveBeenCalledTimes(1);
    state.record('a', false, RESTATE_MS - 1);
    state.record('a', false, 2 * RESTATE_MS);
    expect(hset.mock.calls.map(([, , value]) => (JSON.parse(value) as { ok: boolean }).ok)).toEqual(
      [true, false, false],
    );
  });

  it('reads a field that is not an outcome as not used yet', async () => {
    const { queue } = fakeQueue({
      a: JSON.stringify({ ok: true, at: '2026-12-03T00:00:00.000Z' }),
      b: '{not json',
      c: JSON.stringify({ ok: 'yes' }),
    });
    await expect(readTransportStates(queue, ['a', 'b', 'c', 'd'])).resolves.toEqual({
      a: { ok: true, at: '2026-12-03T00:00:00.000Z' },
      b: undefined,
      c: undefined,
      d: undefined,
    });
  });
});
