import { classifyFailure } from './send-failure';
import { TransportsFailed } from './transports/failover.sender';

const smtp = (responseCode: number, response: string) =>
  Object.assign(new Error(response), { responseCode, response });

describe('classifyFailure', () => {
  it.each([
    ['550 mailbox unknown', smtp(550, '550 5.1.1 No such user'), true],
    ['554 rejected', smtp(554, '554 Transaction failed'), true],
    ['535 authentication', smtp(535, '535 Authentication failed'), true],
    ['421 service not available', smtp(421, '421 Try again later'), false],
    ['451 local error', smtp(451, '451 Temporary failure'), false],
    ['452 insufficient storage', smtp(452, '452 Too many recipients'), false],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ECONNECTION' }),
      false,
    ],
    [
      'a timeout',
      Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT' }),
      false,
    ],
    ['a non-error value', 'boom', false],
  ])('%s → permanent: %s', (_what, error, permanent) => {
    expect(classifyFailure(error).permanent).toBe(permanent);
  });

  it('judges the last transport of a failover, a 5xx to AUTH being no reason to give up', () => {
    const errors = [{ transport: 'a', error: 'x' }];
    const auth = new TransportsFailed(smtp(535, '535 Authentication failed'), 'unreached', errors);
    const refused = new TransportsFailed(smtp(550, '550 5.1.1 No such user'), 'refused', errors);
    expect(classifyFailure(auth)).toMatchObject({
      permanent: false,
      reason: '535 Authentication failed',
    });
    expect(classifyFailure(refused).permanent).toBe(true);
  });

  it('keeps the SMTP reply as the reason, on one line and bounded', () => {
    expect(classifyFailure(smtp(550, '550 5.1.1\r\n No such user')).reason).toBe(
      '550 5.1.1 No such user',
    );
    expect(classifyFailure(Object.assign(new Error('x'), { responseCode: 451 })).reason).toBe(
      '451 x',
    );
    expect(classifyFailure(smtp(550, 'x'.repeat(2000))).reason.length).toBeLessThanOrEqual(500);
  });
});
