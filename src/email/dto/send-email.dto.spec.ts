import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenErrors } from '../../common/validation.errors';
import { SendEmailDto } from './send-email.dto';

const valid = {
  email_to: 'ann@example.com',
  email_from: 'no-reply@shop.example',
  subject: 'Hi',
  message: { text: 'x' },
};

function fieldsWithErrors(body: object): string[] {
  const dto = plainToInstance(SendEmailDto, body);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  return flattenErrors(errors).map((error) => error.field);
}

describe('SendEmailDto', () => {
  it('accepts a full request', () => {
    const full = {
      ...valid,
      email_to: ['ann@example.com', 'Bob <bob@example.com>'],
      cc: ['c@example.com'],
      bcc: ['d@example.com'],
      reply_to: 'help@shop.example',
      headers: { 'X-Campaign': 'signup' },
      attachments: [{ filename: 'a.pdf', content: 'JVBERi0=', content_type: 'application/pdf' }],
      tags: ['signup', 'v2:beta'],
      metadata: { user_id: '42' },
      template: 'verify-email',
      context: { name: 'Ann', nested: { list: [1, 2, { deep: true }] } },
    };
    expect(fieldsWithErrors(full)).toEqual([]);
  });

  it('accepts 50 recipients in all and refuses 51', () => {
    const to = Array.from({ length: 48 }, (_, i) => `u${i}@example.com`);
    expect(
      fieldsWithErrors({ ...valid, email_to: to, cc: ['c@example.com'], bcc: ['b@example.com'] }),
    ).toEqual([]);
    expect(
      fieldsWithErrors({
        ...valid,
        email_to: [...to, 'x@example.com'],
        cc: ['c@example.com'],
        bcc: ['b@example.com'],
      }),
    ).toEqual(['email_to']);
  });

  it.each(['What is 2+2=?', 'a=?=b', 'Re: ?= =', 'Ann @ Shop'])(
    'accepts the subject %j',
    (subject) => {
      expect(fieldsWithErrors({ ...valid, subject })).toEqual([]);
    },
  );

  it('accepts a 998-character subject and refuses 999', () => {
    expect(fieldsWithErrors({ ...valid, subject: 's'.repeat(998) })).toEqual([]);
    expect(fieldsWithErrors({ ...valid, subject: 's'.repeat(999) })).toEqual(['subject']);
  });

  it.each([
    ['subject', { subject: 'a\rb' }],
    ['subject', { subject: 'a\u2028b' }],
    ['subject', { subject: 'invoice\u202efdp.exe' }],
    ['subject', { subject: 'a\u200bb' }],
    ['subject', { subject: '=?utf-8?B?SGk=?=' }],
    ['subject', { subject: 'a =?x?q?b c?= d' }],
    ['headers', { headers: { 'X-A': 'a\ufeffb' } }],
    ['attachments.0.filename', { attachments: [{ filename: 'a\u00adb.pdf', content: 'eA==' }] }],
    ['email_to', { email_to: '"support@bank.example" <evil@evil.example>' }],
    ['cc', { cc: ['support@bank.example <evil@evil.example>'] }],
    ['headers', { headers: { 'X-A': 'a\nb' } }],
    ['headers', { headers: { 'X-A\r\nBcc': 'v' } }],
    ['headers', { headers: { 'Content-Type': 'text/html' } }],
    [
      'headers',
      { headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, 'v'])) },
    ],
    ['attachments.0.filename', { attachments: [{ filename: 'C:\\evil.exe', content: 'eA==' }] }],
    [
      'attachments',
      { attachments: Array.from({ length: 21 }, () => ({ filename: 'a', content: 'eA==' })) },
    ],
    ['template', { template: 'layouts/main' }],
    ['template', { template: '..%2fpackage' }],
    ['template', { template: 'Verify-Email' }],
    ['context', { context: { 'not-an-identifier': 1 } }],
    ['context', { context: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } }],
    ['context', { context: { big: 'x'.repeat(70 * 1024) } }],
    ['context', { context: ['a'] }],
    ['tags', { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }],
    ['metadata', { metadata: { a: 1 } }],
    ['metadata', { metadata: { 'bad key': 'v' } }],
  ])('names %s for %j', (field, patch) => {
    expect(fieldsWithErrors({ ...valid, ...patch })).toContain(field);
  });
});
