import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenErrors } from '../../common/validation.errors';
import { SendEmailDto } from './send-email.dto';

const valid = {
  email_to: 'Ann <ann@example.com>',
  email_from: 'no-reply@shop.example',
  subject: 'Hi',
  message: { text: 'x' },
};

function validated(body: object): { dto: SendEmailDto; fields: string[] } {
  const dto = plainToInstance(SendEmailDto, body);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  return { dto, fields: flattenErrors(errors).map((error) => error.field) };
}

describe('address fields', () => {
  it('hold the parsed mailboxes once valid, email_to always as a list', () => {
    const { dto, fields } = validated({
      ...valid,
      cc: ['c@example.com'],
      bcc: ['"Bee" <b@example.com>'],
      reply_to: 'Help <help@shop.example>',
    });
    expect(fields).toEqual([]);
    expect(dto.email_to).toEqual([{ name: 'Ann', address: 'ann@example.com' }]);
    expect(dto.email_from).toEqual({ name: '', address: 'no-reply@shop.example' });
    expect(dto.cc).toEqual([{ name: '', address: 'c@example.com' }]);
    expect(dto.bcc).toEqual([{ name: 'Bee', address: 'b@example.com' }]);
    expect(dto.reply_to).toEqual({ name: 'Help', address: 'help@shop.example' });
  });

  it.each([
    ['email_to', { name: 'Ann', address: 'ann@example.com' }],
    ['email_to', [{ name: 'Ann', address: 'ann@example.com' }]],
    ['email_from', { name: '', address: 'no-reply@shop.example' }],
    ['cc', [{ name: '', address: 'c@example.com' }]],
    ['reply_to', { name: 'Evil', address: 'evil@evil.example\r\nBcc: x@example.com' }],
  ])('refuse %s sent as an already parsed mailbox %j', (field, value) => {
    expect(validated({ ...valid, [field]: value }).fields).toEqual([field]);
  });
});
