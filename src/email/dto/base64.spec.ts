import { isBase64 } from './base64';

describe('isBase64', () => {
  it.each(['', 'eA==', 'eHk=', 'eHl6', 'aGVsbG8gd29ybGQ=', '+/+/'])('accepts %j', (value) => {
    expect(isBase64(value)).toBe(true);
  });

  it.each([
    ['a length that is not a multiple of 4', 'eA='],
    ['padding in the middle', 'eA==eA=='],
    ['three padding characters', 'e==='],
    ['a line break', 'eHl6\neHl6'],
    ['a URL-safe character', 'eH-_'],
    ['a non-ASCII character', 'eHé='],
    ['a number', 42],
  ])('refuses %s', (_what, value) => {
    expect(isBase64(value)).toBe(false);
  });

  it('checks a 40 MB string in one pass, from deep in a call stack', () => {
    const large = Buffer.alloc(30 * 1024 * 1024, 1).toString('base64');
    const deep = (n: number): boolean => (n === 0 ? isBase64(large) : deep(n - 1));
    expect(deep(5000)).toBe(true);
  });
});
