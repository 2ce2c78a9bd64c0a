import { failureStage, failureText, transportFault } from './failure-stage';

// Errors as nodemailer 10's smtp-connection builds them (_formatError: code, the system
// error's originalCode, response and its responseCode, command); the e2e suite provokes the
// same ones against real sockets.
const error = (fields: object, message = 'x'): Error => Object.assign(new Error(message), fields);
const reply = (code: string, command: string, response: string): Error =>
  error({ code, command, response, responseCode: Number(response.slice(0, 3)) }, response);

const refusedConnection = error(
  { code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' },
  'connect ECONNREFUSED 10.0.0.5:587',
);
const reset = error({ code: 'ESOCKET', originalCode: 'ECONNRESET', command: 'CONN' });
const closed = error({ code: 'ECONNECTION', command: 'CONN' }, 'Connection closed unexpectedly');
const timeout = error({ code: 'ETIMEDOUT', command: 'CONN' }, 'Timeout');

describe('failureStage, before a byte of the message left', () => {
  it.each([
    ['connection refused', refusedConnection],
    ['a host that does not resolve', error({ code: 'EDNS', command: 'CONN' })],
    ['no greeting', error({ code: 'ETIMEDOUT', command: 'CONN' }, 'Greeting never received')],
    ['a 421 greeting', reply('EPROTOCOL', 'CONN', '421 busy')],
    ['a 421 to EHLO', reply('ECONNECTION', 'EHLO', '421 4.3.2 Shutting down')],
    ['a 550 to HELO', reply('EPROTOCOL', 'HELO', '550 5.7.1 Bad HELO name')],
    ['a TLS failure', error({ code: 'ETLS', command: 'STARTTLS' })],
    ['a 535 to AUTH', reply('EAUTH', 'AUTH PLAIN', '535 5.7.8 Bad credentials')],
    ['a 530 to MAIL FROM', reply('EENVELOPE', 'MAIL FROM', '530 5.7.0 Authentication required')],
    ['a 550 to MAIL FROM', reply('EENVELOPE', 'MAIL FROM', '550 5.7.1 Sender not allowed')],
    ['a 451 to MAIL FROM', reply('EENVELOPE', 'MAIL FROM', '451 4.7.1 Try later')],
    ['a 450 to RCPT TO', reply('EENVELOPE', 'RCPT TO', '450 4.2.0 Greylisted')],
    ['a 451 to the DATA command', reply('EENVELOPE', 'DATA', '451 4.3.0 Try later')],
    ['a reset', reset],
    ['a close', closed],
    ['a socket timeout', timeout],
  ])('%s: the server holds nothing, so fail over', (_case, failure) => {
    expect(failureStage(failure, false)).toBe('unreached');
  });

  it.each([
    ['a 550 5.1.1 to RCPT TO', reply('EENVELOPE', 'RCPT TO', '550 5.1.1 No such user')],
    ['a 554 to the DATA command', reply('EENVELOPE', 'DATA', '554 5.5.1 No valid recipients')],
    ['too many recipients', error({ code: 'EMAXRECIPIENTS', command: 'API' })],
    ['a message over SIZE', error({ code: 'EMESSAGE', command: 'MAIL FROM' }, 'Message size')],
    ['a message that cannot be built', error({ code: 'ESTREAM', command: 'API' })],
  ])('%s: no other transport would do better', (_case, failure) => {
    expect(failureStage(failure, false)).toBe('refused');
  });
});

describe('failureStage, once the message was going out', () => {
  it.each([
    ['a 554 to the message', reply('EMESSAGE', 'DATA', '554 5.7.1 Spam')],
    ['a 451 to the message', reply('EMESSAGE', 'DATA', '451 4.3.0 Queue full')],
    ['a 421 as the server hangs up', reply('ECONNECTION', 'CONN', '421 4.4.2 Timeout')],
  ])('%s is an answer: no failover', (_case, failure) => {
    expect(failureStage(failure, true)).toBe('refused');
  });

  it.each([
    ['a socket timeout', timeout],
    ['a reset', reset],
    ['a close', closed],
    ['something unknown', new Error('boom')],
  ])('%s may have come after the final dot: ambiguous', (_case, failure) => {
    expect(failureStage(failure, true)).toBe('ambiguous');
  });
});

describe('transportFault', () => {
  it.each([
    ['connection refused', refusedConnection],
    ['a reset', reset],
    ['a timeout', timeout],
    ['a 421 to EHLO', reply('ECONNECTION', 'EHLO', '421 4.3.2 Shutting down')],
    ['a 535 to AUTH', reply('EAUTH', 'AUTH PLAIN', '535 5.7.8 Bad credentials')],
    ['a 550 to MAIL FROM', reply('EENVELOPE', 'MAIL FROM', '550 5.7.1 Sender not allowed')],
  ])('%s: the relay is unwell or refuses us', (_case, failure) => {
    expect(transportFault(failure)).toBe(true);
  });

  it.each([
    ['a greylisted recipient', reply('EENVELOPE', 'RCPT TO', '450 4.2.0 Greylisted')],
    ['an unknown recipient', reply('EENVELOPE', 'RCPT TO', '550 5.1.1 No such user')],
    ['a refused message', reply('EMESSAGE', 'DATA', '554 5.7.1 Spam')],
    ['too many recipients', error({ code: 'EMAXRECIPIENTS', command: 'API' })],
  ])('%s: the relay answered, it works', (_case, failure) => {
    expect(transportFault(failure)).toBe(false);
  });
});

describe('failureText', () => {
  it('keeps the server reply with its code, on one line', () => {
    expect(failureText(reply('EENVELOPE', 'RCPT TO', '550 5.1.1\r\n No such user'))).toBe(
      '550 5.1.1 No such user',
    );
  });

  it('names a client error by its code, never by the relay address in its message', () => {
    expect(failureText(refusedConnection)).toBe('connection failed (ECONNREFUSED)');
    expect(failureText(error({ code: 'EDNS', originalCode: 'ENOTFOUND' }, 'smtp.corp'))).toBe(
      'relay host not found (ENOTFOUND)',
    );
    expect(failureText(error({ code: 'ETLS' }, 'Hostname/IP does not match 10.0.0.5'))).toBe(
      'TLS failed (ETLS)',
    );
  });

  it("keeps nodemailer's own timeout phrases", () => {
    const greeting = error({ code: 'ETIMEDOUT' }, 'Greeting never received');
    expect(failureText(greeting)).toBe('Greeting never received (ETIMEDOUT)');
  });
});
