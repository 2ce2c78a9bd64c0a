import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenErrors } from '../../common/validation.errors';
import * as parser from '../../mail-syntax/address.parser';
import { SendEmailDto } from './send-email.dto';

const valid = {
  email_to: 'ann@example.com',
  email_from: 'no-reply@shop.example',
  subject: 'Hi',
  message: { text: 'x' },
};

const addresses = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `u${i}@example.com`);

function errorsFor(body: object): { field: string; message: string }[] {
  const dto = plainToInstance(SendEmailDto, body);
  return flattenErrors(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true }));
}

describe('recipient lists', () => {
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['email_to', 51],
    ['cc', 51],
    ['bcc', 51],
    ['email_to', 100_000],
    ['cc', 100_000],
    ['bcc', 100_000],
  ])('refuses %s with %d addresses before parsing any of them', (field, count) => {
    const body = { ...valid, email_from: undefined, [field]: addresses(count) };
    const parse = jest.spyOn(parser, 'parseAddress');
    const errors = errorsFor(body).filter((error) => error.field === field);
    // Only email_to's one address, when the list under test is another field.
    expect(parse.mock.calls).toEqual(field === 'email_to' ? [] : [['ann@example.com']]);
    expect(errors.map((error) => error.message)).toContain(
      `${field} must hold at most 50 addresses`,
    );
  });

  it('sees every parse of a list within the limit, so the spy is not blind', () => {
    const parse = jest.spyOn(parser, 'parseAddress');
    expect(errorsFor({ ...valid, email_from: undefined, cc: addresses(49) })).toEqual([]);
    expect(parse).toHaveBeenCalledTimes(50);
  });
});
