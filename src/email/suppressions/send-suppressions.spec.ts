import { EmailJobData } from '../store/email.types';
import { SendSuppressions, refusalsIn, withoutSuppressed } from './send-suppressions';
import { Suppression, SuppressionStore } from './suppression.store';

const mailbox = (address: string) => ({ name: '', address });
const data = {
  id: 'e1',
  key: 'app',
  message_id: '<e1@shop.example>',
  created_at: '2026-01-01T00:00:00.000Z',
  from: mailbox('no-reply@shop.example'),
  to: [mailbox('Ann@Example.com'), mailbox('bob@example.com')],
  cc: [mailbox('cat@example.com')],
  bcc: [mailbox('dan@example.com')],
  subject: 'Hi',
  text: 'hi',
} satisfies EmailJobData;

describe('SendSuppressions', () => {
  const added: Suppression[] = [];
  const store = {
    add: (_owner: string, entry: Suppression) => (added.push(entry), Promise.resolve(entry)),
    suppressedOf: jest.fn((_owner: string, addresses: string[]) => Promise.resolve(addresses)),
  };
  const suppressions = new SendSuppressions(store as unknown as SuppressionStore);

  it('asks the key’s list about to, cc and bcc in one call', async () => {
    await suppressions.suppressedOf(data);
    expect(store.suppressedOf).toHaveBeenCalledTimes(1);
    expect(store.suppressedOf).toHaveBeenCalledWith('app', [
      'Ann@Example.com',
      'bob@example.com',
      'cat@example.com',
      'dan@example.com',
    ]);
  });

  it('leaves the suppressed out of every list', () => {
    expect(withoutSuppressed(data, ['Ann@Example.com', 'cat@example.com'])).toEqual({
      to: [mailbox('bob@example.com')],
      cc: [],
      bcc: [mailbox('dan@example.com')],
    });
  });

  it('adds only the recipients refused with a mailbox error, as bounces', async () => {
    const error = {
      rejectedErrors: [
        { recipient: 'Ann@Example.com', response: '550 5.1.1 No such user' },
        { recipient: 'bob@example.com', response: '550 5.7.1 Blocked' },
        { recipient: 'cat@example.com', response: '451 4.3.0 Later' },
      ],
    };
    await expect(suppressions.recordRefusals(data, refusalsIn(error))).resolves.toEqual([
      'ann@example.com',
    ]);
    expect(added).toEqual([
      {
        address: 'ann@example.com',
        reason: 'bounce',
        created_at: expect.any(String),
        email_id: 'e1',
        diagnostic: '550 5.1.1 No such user',
      },
    ]);
  });

  it('finds no refusals in anything but nodemailer’s list', () => {
    expect(refusalsIn(new Error('x'))).toEqual([]);
    expect(refusalsIn(undefined)).toEqual([]);
    expect(refusalsIn({ rejectedErrors: 'x' })).toEqual([]);
  });
});
