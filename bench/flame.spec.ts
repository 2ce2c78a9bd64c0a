import { flameSvg } from './flame';
import { NM, profileOf } from './profile-of';

const EXPRESS = `handle|${NM}/express/lib/router/index.js`;
const IOREDIS = `sendCommand|${NM}/ioredis/built/Redis.js`;

/** Each drawn frame of the SVG: the name its tooltip starts with, its width and its colour. */
function drawn(svg: string): { name: string; width: number; fill: string }[] {
  const frame =
    /<title>([^<]*?): [\d.]+ ms[^<]*<\/title><rect [^>]*width="([\d.]+)"[^>]*fill="([^"]+)"/g;
  return [...svg.matchAll(frame)].map(([, name, width, fill]) => ({
    name,
    width: Number(width),
    fill,
  }));
}

const widthOf = (svg: string, name: string): number | undefined =>
  drawn(svg).find((frame) => frame.name === name)?.width;

describe('flameSvg', () => {
  it('draws each frame as wide as its share of the busy time, idle left out', () => {
    const svg = flameSvg(
      profileOf([
        [[EXPRESS], 30],
        [[IOREDIS], 10],
        [['(idle)'], 60],
      ]),
      'test',
    );
    expect(widthOf(svg, 'all')).toBe(1200);
    expect(widthOf(svg, 'handle (express)')).toBe(900);
    expect(widthOf(svg, 'sendCommand (ioredis)')).toBe(300);
    expect(widthOf(svg, '(idle)')).toBeUndefined();
    expect(svg).toContain('busy 0 ms');
  });

  it("colours a frame by the layer its own time counts for, and the legend gives each layer's share", () => {
    const svg = flameSvg(
      profileOf([
        [[IOREDIS, 'Socket._writeGeneric|node:net'], 10],
        [['(garbage collector)'], 30],
      ]),
      'test',
    );
    const redis = drawn(svg).find((frame) => frame.name === 'sendCommand (ioredis)')!.fill;
    expect(drawn(svg).find((frame) => frame.name === 'Socket._writeGeneric (node:net)')!.fill).toBe(
      redis,
    );
    expect(drawn(svg).find((frame) => frame.name === '(garbage collector)')!.fill).not.toBe(redis);
    expect(svg).toContain('queue and Redis (bull, ioredis): 25.0 %');
    expect(svg).toContain('garbage collection: 75.0 %');
  });

  it('leaves out frames narrower than a pixel, with what they call', () => {
    const svg = flameSvg(
      profileOf([
        [[EXPRESS], 100_000],
        [[IOREDIS, 'tiny|node:net'], 10],
      ]),
      'test',
    );
    expect(widthOf(svg, 'sendCommand (ioredis)')).toBeUndefined();
    expect(widthOf(svg, 'tiny (node:net)')).toBeUndefined();
  });

  it('escapes names, so a frame cannot break the SVG', () => {
    const svg = flameSvg(profileOf([[[`<a&"b'>|${NM}/express/x.js`], 10]]), '<title>');
    expect(svg).not.toContain('<a&');
    expect(svg).toContain('&#60;a&#38;&#34;b&#39;&#62; (express)');
    expect(svg).toContain('&#60;title&#62;');
  });
});
