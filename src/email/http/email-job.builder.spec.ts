import { BadRequestException, ForbiddenException, HttpException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { EnvironmentVariables, validate } from '../../config/env.validation';
import { ApiKeyRecord } from '../../config/api-key.parser';
import { SendEmailDto } from '../dto/send-email.dto';
import { EmailJobBuilder } from './email-job.builder';
import { TemplateService } from '../template.service';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const SHOP: ApiKeyRecord = {
  name: 'shop',
  digest: Buffer.alloc(32),
  allowedFrom: ['*@shop.example'],
  test: false,
};
const valid = {
  email_to: ['Ann <ann@example.com>'],
  email_from: 'no-reply@shop.example',
  subject: 'Hi',
  message: { text: 'x' },
};

/** A builder configured as validate() would leave `raw`. */
function builder(raw: Record<string, string> = {}): EmailJobBuilder {
  const env = validate({ API_KEYS: 'app:test-key-app-0123456789', ...raw });
  const config = { get: (name: keyof EnvironmentVariables) => env[name] };
  return new EmailJobBuilder(
    new TemplateService(),
    config as unknown as ConfigService<EnvironmentVariables, true>,
  );
}

/** A request as the ValidationPipe hands it on. */
function validated(body: object): SendEmailDto {
  const dto = plainToInstance(SendEmailDto, body);
  expect(validateSync(dto)).toEqual([]);
  return dto;
}

function refusal(prepare: () => unknown): HttpException {
  try {
    prepare();
  } catch (error) {
    return error as HttpException;
  }
  throw new Error('prepared');
}

describe('EmailJobBuilder.prepare', () => {
  it('puts the mailboxes the DTO parsed into the job, as they are', () => {
    const dto = validated({ ...valid, cc: ['c@example.com'], reply_to: 'h@shop.example' });
    const [{ data }] = builder().prepare([dto], SHOP, NOW);
    expect(data.from).toBe(dto.email_from);
    expect(data.to).toBe(dto.email_to);
    expect(data.cc).toBe(dto.cc);
    expect(data.reply_to).toBe(dto.reply_to);
  });

  it('sends from MAIL_FROM when the request names no sender', () => {
    const dto = validated({ ...valid, email_from: undefined });
    const [{ data }] = builder({ MAIL_FROM: 'Shop <mail@shop.example>' }).prepare([dto], SHOP, NOW);
    expect(data.from).toEqual({ name: 'Shop', address: 'mail@shop.example' });
  });

  it('names every problem of every item in one 400 before any 403', () => {
    const dtos = [
      validated({ ...valid, email_from: 'ceo@bank.example' }),
      validated({ ...valid, email_from: undefined, send_at: '2029-12-31T00:00:00Z' }),
      validated({ ...valid, message: undefined, template: 'nope' }),
    ];
    const error = refusal(() => builder().prepare(dtos, SHOP, NOW, 'emails'));
    expect(error).toBeInstanceOf(BadRequestException);
    expect((error.getResponse() as { errors: unknown }).errors).toEqual([
      { field: 'emails.1.email_from', message: expect.stringContaining('MAIL_FROM') },
      { field: 'emails.1.send_at', message: 'emails.1.send_at must be in the future' },
      { field: 'emails.2.template', message: expect.stringContaining('does not exist') },
    ]);
  });

  it('answers 403 naming the item whose sender the key may not use', () => {
    const dtos = [validated(valid), validated({ ...valid, email_from: 'ceo@bank.example' })];
    const error = refusal(() => builder().prepare(dtos, SHOP, NOW, 'emails'));
    expect(error).toBeInstanceOf(ForbiddenException);
    expect(error.message).toBe('emails.1: This API key may not send from ceo@bank.example');
  });
});
