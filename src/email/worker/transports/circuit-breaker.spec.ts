import { CircuitBreaker } from './circuit-breaker';

describe('CircuitBreaker', () => {
  let now = 1000;
  const breaker = new CircuitBreaker(500, () => now);

  it('puts a transport that failed last until its cool-down ends', () => {
    breaker.failed('a');
    expect(breaker.order(['a', 'b', 'c'])).toEqual(['b', 'c', 'a']);
    now += 501;
    expect(breaker.order(['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
  });

  it('tries every transport, in order, when all are cooling down', () => {
    breaker.failed('a');
    breaker.failed('b');
    expect(breaker.order(['b', 'a'])).toEqual(['b', 'a']);
  });

  it('forgets a failure once the transport worked', () => {
    breaker.failed('a');
    breaker.worked('a');
    expect(breaker.coolingDown('a')).toBe(false);
  });

  it('never trips with no cool-down', () => {
    const off = new CircuitBreaker(0);
    off.failed('a');
    expect(off.order(['a', 'b'])).toEqual(['a', 'b']);
  });
});
