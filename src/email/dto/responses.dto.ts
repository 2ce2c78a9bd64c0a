import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CODE, ERROR_CODES } from '../../common/error-codes';

export class AcceptedEmailDto {
  /** `scheduled` when send_at is in the future. */
  @ApiProperty({ enum: ['queued', 'scheduled'], example: 'queued' })
  result!: 'queued' | 'scheduled';
  /** The email's id, for GET /send-email/{id}. */
  @ApiProperty({ example: '6f1c2a9e-3b1d-4c55-9a0e-2f9d3c7b8e11' })
  id!: string;
}

export class AcceptedBatchDto {
  @ApiProperty({ enum: ['queued'], example: 'queued' })
  result!: 'queued';
  /** One id per email, in the order of the request. */
  @ApiProperty({
    example: ['6f1c2a9e-3b1d-4c55-9a0e-2f9d3c7b8e11', 'a81e4c0b-5d2f-4b7e-8f6a-1c9d2e3f4a5b'],
  })
  ids!: string[];
}

export class AcceptedReportDto {
  /** Always, whatever the report turned out to be: nothing tells a sender what was applied. */
  @ApiProperty({ enum: ['accepted'], example: 'accepted' })
  result!: 'accepted';
}

/** Every state an email can be in (SPEC §3). */
export const EMAIL_STATES = [
  'queued',
  'scheduled',
  'sending',
  'sent',
  'failed',
  'canceled',
  'suppressed',
  'bounced',
] as const;

/** What the bounce report of a `bounced` email said. */
export class BounceInfoDto {
  @ApiProperty({ example: 'ann@example.com' })
  recipient!: string;
  /** The enhanced status code (RFC 3463). */
  @ApiPropertyOptional({ example: '5.1.1' })
  status?: string;
  @ApiPropertyOptional({ example: '550 5.1.1 <ann@example.com>: Recipient address rejected' })
  diagnostic?: string;
}

export class TransportErrorDto {
  @ApiProperty({ example: 'primary' })
  transport!: string;
  @ApiProperty({ example: 'connection failed (ECONNREFUSED)' })
  error!: string;
}

export class EmailStatusDto {
  @ApiProperty({ example: '6f1c2a9e-3b1d-4c55-9a0e-2f9d3c7b8e11' })
  id!: string;
  @ApiProperty({ enum: EMAIL_STATES, example: 'sent' })
  status!: (typeof EMAIL_STATES)[number];
  /** Send attempts so far. */
  @ApiProperty({ example: 1 })
  attempts!: number;
  @ApiProperty({ example: '2026-11-25T09:00:00.000Z' })
  created_at!: string;
  @ApiPropertyOptional({ example: '2026-11-25T09:00:01.204Z' })
  sent_at?: string;
  /** The last failure: the SMTP reply, or the connection error. */
  @ApiPropertyOptional({ example: '550 5.1.1 No such user' })
  error?: string;
  @ApiPropertyOptional({ example: '<6f1c2a9e-3b1d-4c55-9a0e-2f9d3c7b8e11@shop.example>' })
  message_id?: string;
  /** Recipients the SMTP server refused while it accepted the others. */
  @ApiPropertyOptional({ example: [] })
  rejected?: string[];
  /** Recipients left out because they are on the key's suppression list (as written). */
  @ApiPropertyOptional({ example: ['gone@example.com'] })
  suppressed?: string[];
  @ApiPropertyOptional({ example: '2026-12-01T09:00:00Z' })
  send_at?: string;
  /** When a scheduled email was canceled (POST /send-email/{id}/cancel). */
  @ApiPropertyOptional({ example: '2026-11-30T17:12:45.031Z' })
  canceled_at?: string;
  @ApiPropertyOptional({ example: ['signup'] })
  tags?: string[];
  @ApiPropertyOptional({ example: { user_id: '42' } })
  metadata?: Record<string, string>;
  /** A `bounced` email: who bounced, as the bounce report said (SPEC §8). */
  @ApiPropertyOptional({ type: BounceInfoDto })
  bounce?: BounceInfoDto;
  /** The transport that sent it (SPEC §9): a TRANSPORTS_FILE name, `default` or `outbox`. */
  @ApiPropertyOptional({ example: 'primary' })
  transport?: string;
  /** The transports that failed in its last attempt, in the order tried. */
  @ApiPropertyOptional({
    type: [TransportErrorDto],
    example: [{ transport: 'primary', error: 'connection failed (ECONNREFUSED)' }],
  })
  transport_errors?: TransportErrorDto[];
  /** Sent with a test-mode key: written to the outbox, not sent. */
  @ApiPropertyOptional()
  test?: boolean;
}

export class TemplateInfoDto {
  @ApiProperty({ example: 'verify-email' })
  name!: string;
  @ApiProperty({ example: 'Asks a new user to confirm their email address.' })
  description!: string;
  @ApiProperty({ example: ['action_url'] })
  required!: string[];
  @ApiProperty({ example: ['name', 'app_name', 'expires_in'] })
  optional!: string[];
}

export class RenderedBodyDto {
  @ApiProperty({ example: '<!DOCTYPE html><html lang="en">…' })
  html!: string;
  @ApiProperty({ example: 'Confirm your email address\n\nHi Ann, …' })
  text!: string;
}

export class FieldErrorDto {
  @ApiProperty({ example: 'subject' })
  field!: string;
  @ApiProperty({ example: 'subject must be longer than or equal to 1 characters' })
  message!: string;
}

/** Every error answer has this shape; branch on `code`. */
export class ErrorDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;
  @ApiProperty({ example: 'Bad Request' })
  error!: string;
  @ApiProperty({ example: 'subject must be longer than or equal to 1 characters' })
  message!: string;
  @ApiProperty({
    enum: Object.keys(ERROR_CODES),
    example: CODE.validation_failed,
  })
  code!: string;
  /** With 400: each bad field. */
  @ApiPropertyOptional({ type: [FieldErrorDto] })
  errors?: FieldErrorDto[];
}
