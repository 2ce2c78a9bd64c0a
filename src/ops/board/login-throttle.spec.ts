import { LoginThrottle } from './login-throttle';

describe('LoginThrottle', () => {
  let now = 0;
  const throttle = (): LoginThrottle => new LoginThrottle(3, 1000, () => now);

  beforeEach(() => (now = 1_000_000));

  it('lets an address fail `limit` times, then blocks it until its window ends', () => {
    const t = throttle();
    for (let i = 0; i < 3; i++) {
      expect(t.blockedFor('a')).toBe(0);
      t.fail('a');
    }
    expect(t.blockedFor('a')).toBe(1000);
    now += 400;
    expect(t.blockedFor('a')).toBe(600);
    now += 600;
    expect(t.blockedFor('a')).toBe(0);
  });

  it('counts each address on its own', () => {
    const t = throttle();
    for (let i = 0; i < 3; i++) t.fail('a');
    expect(t.blockedFor('a')).toBeGreaterThan(0);
    expect(t.blockedFor('b')).toBe(0);
  });

  it('starts a new window once the old one has ended', () => {
    const t = throttle();
    t.fail('a');
    t.fail('a');
    now += 1000;
    t.fail('a');
    t.fail('a');
    expect(t.blockedFor('a')).toBe(0);
  });
});
