import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MAX_WRITE_BYTES, MessageCoalescer } from './message.coalescer';

async function writesOf(chunks: Buffer[]): Promise<Buffer[]> {
  const writes: Buffer[] = [];
  await pipeline(Readable.from(chunks), new MessageCoalescer(), async (source) => {
    for await (const chunk of source) writes.push(chunk as Buffer);
  });
  return writes;
}

describe('MessageCoalescer', () => {
  it('turns the small chunks of a message into one write, byte for byte', async () => {
    const chunks = ['Subject: Hi\r\n', '\r\n', '--b\r\n', 'hello\r\n', '--b--\r\n'].map((c) =>
      Buffer.from(c),
    );
    const writes = await writesOf(chunks);
    expect(writes).toHaveLength(1);
    expect(writes[0].equals(Buffer.concat(chunks))).toBe(true);
  });

  it('never holds more than its limit of a large message', async () => {
    const chunks = Array.from({ length: 40 }, (_, i) => Buffer.alloc(10_000, i));
    const writes = await writesOf(chunks);
    expect(Buffer.concat(writes).equals(Buffer.concat(chunks))).toBe(true);
    expect(writes.length).toBeGreaterThanOrEqual(Math.floor(400_000 / (MAX_WRITE_BYTES + 10_000)));
    for (const write of writes) expect(write.length).toBeLessThan(MAX_WRITE_BYTES + 10_000);
  });

  it('passes an empty message through without a write', async () => {
    expect(await writesOf([])).toEqual([]);
  });
});
