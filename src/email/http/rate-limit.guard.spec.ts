import { costOf } from './rate-limit.guard';

describe('costOf', () => {
  it.each([
    ['a single email', { email_to: 'a@b.example' }, 1],
    ['no body (a read)', undefined, 1],
    ['a batch of 3', { emails: [{}, {}, {}] }, 3],
    ['an empty batch (refused as invalid)', { emails: [] }, 1],
    ['a batch over 100 (refused as invalid)', { emails: new Array(5000).fill({}) }, 100],
    ['emails that is not an array', { emails: 'x' }, 1],
  ])('%s', (_what, body, cost) => {
    expect(costOf(body)).toBe(cost);
  });
});
