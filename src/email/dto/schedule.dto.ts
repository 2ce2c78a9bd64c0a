import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsISO8601, Matches } from 'class-validator';
import { FieldError } from '../../common/validation.errors';

/** How far ahead an email may be scheduled. */
export const MAX_SCHEDULE_MS = 30 * 24 * 3600 * 1000;

export const SEND_AT_ZONE = /(Z|[+-]\d{2}:?\d{2})$/;

/** `send_at`'s form: an ISO 8601 date-time that names its zone (its time is sendAtProblems'). */
export function IsSendAt(): PropertyDecorator {
  const form = IsISO8601(
    { strict: true, strictSeparator: true },
    { message: '$property must be an ISO 8601 date-time like 2026-12-01T09:00:00Z' },
  );
  const zone = Matches(SEND_AT_ZONE, {
    message: '$property must name its time zone (Z or +01:00)',
  });
  // In the order decorators written one above the other apply: the zone is checked first.
  return (target: object, propertyName: string | symbol): void => {
    zone(target, propertyName);
    form(target, propertyName);
  };
}

/** The time rules of a well-formed `send_at`, at send time and when moved: future, ≤ 30 days. */
export function sendAtProblems(sendAt: string, now: number): FieldError[] {
  const delay = Date.parse(sendAt) - now;
  if (delay <= 0) return [{ field: 'send_at', message: 'send_at must be in the future' }];
  if (delay > MAX_SCHEDULE_MS)
    return [{ field: 'send_at', message: 'send_at must be at most 30 days ahead' }];
  return [];
}

/** PATCH /send-email/{id}: a scheduled email's new send time. */
export class RescheduleEmailDto {
  /** The new send time (ISO 8601 with a time zone): in the future, at most 30 days ahead. */
  @ApiProperty({
    format: 'date-time',
    pattern: SEND_AT_ZONE.source,
    example: '2026-12-01T09:00:00Z',
  })
  @IsDefined({ message: '$property is required' })
  @IsSendAt()
  send_at!: string;
}
