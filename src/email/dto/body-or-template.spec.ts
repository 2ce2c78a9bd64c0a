import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { FieldError, flattenErrors } from '../../common/validation.errors';
import { SendBatchDto } from './send-batch.dto';
import { SendEmailDto } from './send-email.dto';

const valid = { email_to: 'ann@example.com', subject: 'Hi' };
const REQUIRED = 'message.text, message.html or template is required';

function errorsOf(type: new () => object, body: object): FieldError[] {
  const dto = plainToInstance(type, body);
  return flattenErrors(
    validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true }),
  );
}

describe('a body or a template (HasBodyOrTemplate)', () => {
  it.each([
    ['no message', {}],
    ['a null message', { message: null }],
    ['an empty message', { message: {} }],
    ['a message of null parts', { message: { text: null, html: null } }],
  ])('refuses %s without a template', (_what, patch) => {
    expect(errorsOf(SendEmailDto, { ...valid, ...patch })).toEqual([
      { field: 'message', message: REQUIRED },
    ]);
  });

  it.each([
    ['a text body', { message: { text: 'x' } }],
    ['an HTML body', { message: { html: '<p>x</p>' } }],
    ['a template', { template: 'verify-email' }],
    ['a template and an empty message', { template: 'verify-email', message: {} }],
  ])('accepts %s', (_what, patch) => {
    expect(errorsOf(SendEmailDto, { ...valid, ...patch })).toEqual([]);
  });

  it('leaves a message that is not an object, or has bad or unknown parts, to the other rules', () => {
    expect(errorsOf(SendEmailDto, { ...valid, message: 5 })).toEqual([
      { field: 'message', message: 'message must be an object' },
    ]);
    expect(errorsOf(SendEmailDto, { ...valid, message: { text: '' } })).toEqual([
      { field: 'message.text', message: 'message.text should not be empty' },
    ]);
    expect(errorsOf(SendEmailDto, { ...valid, message: { markdown: '*x*' } })).toEqual([
      { field: 'message.markdown', message: 'message.markdown is not a known field' },
    ]);
  });

  it('names the item of a batch', () => {
    const emails = [{ ...valid, message: { text: 'x' } }, valid];
    expect(errorsOf(SendBatchDto, { emails })).toEqual([
      { field: 'emails.1.message', message: `emails.1.${REQUIRED}` },
    ]);
  });
});
