import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { FieldError, flattenErrors } from '../../common/validation.errors';
import { MAX_SCHEDULE_MS, RescheduleEmailDto, sendAtProblems } from './schedule.dto';
import { SendEmailDto } from './send-email.dto';

const STRICT = { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true };
const NOW = Date.parse('2030-01-01T00:00:00Z');
const at = (ms: number): string => new Date(ms).toISOString();

function errorsOf(type: new () => object, plain: object): FieldError[] {
  return flattenErrors(validateSync(plainToInstance(type, plain), STRICT));
}

describe('sendAtProblems', () => {
  it.each([
    ['1 ms ahead', NOW + 1],
    ['exactly 30 days ahead', NOW + MAX_SCHEDULE_MS],
  ])('accepts a time %s', (_what, time) => {
    expect(sendAtProblems(at(time), NOW)).toEqual([]);
  });

  it.each([
    ['now', NOW, 'send_at must be in the future'],
    ['in the past', NOW - 60_000, 'send_at must be in the future'],
    ['30 days and 1 ms ahead', NOW + MAX_SCHEDULE_MS + 1, 'send_at must be at most 30 days ahead'],
  ])('refuses a time %s, naming send_at', (_what, time, message) => {
    expect(sendAtProblems(at(time), NOW)).toEqual([{ field: 'send_at', message }]);
  });

  it('reads the zone of the time it is given', () => {
    expect(sendAtProblems('2030-01-01T00:30:00+01:00', NOW)).toHaveLength(1);
    expect(sendAtProblems('2030-01-01T01:30:00+01:00', NOW)).toEqual([]);
  });
});

describe('RescheduleEmailDto (the body of PATCH /send-email/:id)', () => {
  it('takes a send_at with its zone', () => {
    expect(errorsOf(RescheduleEmailDto, { send_at: '2030-01-02T09:00:00Z' })).toEqual([]);
  });

  it('requires send_at', () => {
    expect(errorsOf(RescheduleEmailDto, {})).toEqual([
      { field: 'send_at', message: 'send_at is required' },
    ]);
  });

  it('refuses any other field, naming it', () => {
    const errors = errorsOf(RescheduleEmailDto, { send_at: '2030-01-02T09:00:00Z', subject: 'x' });
    expect(errors).toEqual([{ field: 'subject', message: 'subject is not a known field' }]);
  });

  it.each([['2030-01-01T09:00:00'], ['tomorrow morning'], ['2030-01-01'], [42]])(
    'refuses %j as a send request does',
    (sendAt) => {
      const send = { email_to: 'a@example.com', subject: 's', message: { text: 'x' } };
      const errors = errorsOf(RescheduleEmailDto, { send_at: sendAt });
      expect(errors.map((error) => error.field)).toEqual(['send_at']);
      expect(errorsOf(SendEmailDto, { ...send, send_at: sendAt })).toEqual(errors);
    },
  );
});
