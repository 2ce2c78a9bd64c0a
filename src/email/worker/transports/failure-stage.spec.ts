import { failureStage } from './failure-stage';

// Errors as nodemailer 10's smtp-connection builds them (_formatError: code, response's
// responseCode, command); the e2e suite provokes the same ones against real sockets.
const error = (fields: object, message = 'x'): Error => Object.assign(new Error(message), fields);

describe('failureStage', () => {
  it.each([
    [
      'connection refused',
      error({ code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' }),
    ],
    ['a host that does not resolve', error({ code: 'EDNS', command: 'CONN' })],
    ['a connect timeout', error({ code: 'ETIMEDOUT', command: 'CONN' }, 'Connection timeout')],
    ['no greeting', error({ code: 'ETIMEDOUT', command: 'CONN' }, 'Greeting never received')],
    [
      'a 421 greeting',
      error(
        { code: 'EPROTOCOL', responseCode: 421, command: 'CONN' },
        'Invalid greeting. response=421 busy',
      ),
    ],
    ['a TLS failure', error({ code: 'ETLS', command: 'CONN' })],
    ['a 535 to AUTH', error({ code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' })],
    ['a 451 to MAIL FROM', error({ code: 'EENVELOPE', responseCode: 451, command: 'MAIL FROM' })],
    ['a 450 to RCPT TO', error({ code: 'EENVELOPE', responseCode: 450, command: 'RCPT TO' })],
    ['a 451 to the DATA command', error({ code: 'EENVELOPE', responseCode: 451, command: 'DATA' })],
  ])('%s never reached a server: fail over', (_case, failure) => {
    expect(failureStage(failure, true)).toBe('unreached');
  });

  it.each([
    ['a 550 5.1.1 to RCPT TO', error({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' })],
    ['a 554 to the message', error({ code: 'EMESSAGE', responseCode: 554, command: 'DATA' })],
    ['a 451 to the message', error({ code: 'EMESSAGE', responseCode: 451, command: 'DATA' })],
    [
      'a 421 as the server hangs up',
      error({ code: 'ECONNECTION', responseCode: 421, command: 'CONN' }),
    ],
  ])('%s is an answer: no failover', (_case, failure) => {
    expect(failureStage(failure, true)).toBe('refused');
  });

  it.each([
    ['a socket timeout', error({ code: 'ETIMEDOUT', command: 'CONN' }, 'Timeout')],
    ['a reset', error({ code: 'ESOCKET', originalCode: 'ECONNRESET', command: 'CONN' })],
    ['a close', error({ code: 'ECONNECTION', command: 'CONN' }, 'Connection closed unexpectedly')],
    ['something unknown', new Error('boom')],
  ])('%s may have come after the final dot: ambiguous', (_case, failure) => {
    expect(failureStage(failure, true)).toBe('ambiguous');
  });

  it.each([
    ['a socket timeout', error({ code: 'ETIMEDOUT', command: 'CONN' }, 'Timeout')],
    ['a reset', error({ code: 'ESOCKET', originalCode: 'ECONNRESET', command: 'CONN' })],
    ['a close', error({ code: 'ECONNECTION', command: 'CONN' }, 'Connection closed unexpectedly')],
  ])('%s before a byte of the message was sent never reached a server', (_case, failure) => {
    expect(failureStage(failure, false)).toBe('unreached');
  });

  it('a refusal stays a refusal whether or not the message went out', () => {
    const refusal = error({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' });
    expect(failureStage(refusal, false)).toBe('refused');
  });
});
