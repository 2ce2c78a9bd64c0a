import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import type { MailAddress } from '../../mail-syntax/address.parser';
import { HasRecipientTotal, IsMailAddress, IsMailAddressList } from './address.fields';
import {
  HasNoEncodedWord,
  IsBase64Content,
  HasBodyOrTemplate,
  IsCustomHeaders,
  IsHeaderSafe,
  IsMetadata,
  IsTemplateContext,
  IsTemplateName,
} from './field.validators';
import { IsSendAt, SEND_AT_ZONE } from './schedule.dto';

/**
 * A body's size limit. Turning 1 MB of HTML into the text part blocks a worker's event loop
 * for about half a second (`npm run bench:body`); ten times that would stall every other
 * send of the worker and eat into its job lock. Transactional mail is far smaller.
 */
export const MAX_BODY_CHARS = 1024 * 1024;

export class MessageDto {
  /** Plain-text body, up to 1 MB. */
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(MAX_BODY_CHARS) text?: string;
  /** HTML body, up to 1 MB; a text part is generated from it when `text` is absent. */
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(MAX_BODY_CHARS) html?: string;
}

export class AttachmentDto {
  /** File name shown to the recipient (no paths, no line breaks). */
  @IsString()
  @Length(1, 255)
  @IsHeaderSafe()
  @Matches(/^[^/\\]+$/, { message: 'filename must not contain / or \\' })
  filename!: string;

  /** File content, base64-encoded. */
  @IsString() @IsBase64Content() content!: string;

  /** MIME type; guessed from the file name when absent. */
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i, {
    message: 'content_type must be a MIME type like application/pdf',
  })
  content_type?: string;
}

/** A request as sent, typed as it is once validated: its addresses are parsed (address.fields). */
export class SendEmailDto {
  /** One recipient or a list; `Name <address>` is allowed. */
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
    type: Object, // not the MailAddress[] it holds once validated
    example: 'Ann <ann@example.com>',
  })
  @IsMailAddressList({ orOne: true })
  @HasRecipientTotal()
  email_to!: MailAddress[];

  /** Sender; defaults to MAIL_FROM. Must match the API key's `allowed_from`. */
  @ApiPropertyOptional({ type: String })
  @IsOptional()
  @IsMailAddress()
  email_from?: MailAddress;

  @IsString() @Length(1, 998) @IsHeaderSafe() @HasNoEncodedWord() subject!: string;

  @IsObject()
  @ValidateNested()
  @Type(() => MessageDto)
  @HasBodyOrTemplate()
  message?: MessageDto;

  /** Name of a template in views/ (see GET /templates). */
  @IsOptional() @IsTemplateName() template?: string;

  /** Values for the template; HTML-escaped when rendered. */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { name: 'Ann', action_url: 'https://shop.example/verify?t=abc' },
  })
  @IsOptional()
  @IsTemplateContext()
  context?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsMailAddressList() cc?: MailAddress[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsMailAddressList() bcc?: MailAddress[];
  @ApiPropertyOptional({ type: String }) @IsOptional() @IsMailAddress() reply_to?: MailAddress;

  /** Extra headers; names must start with X-. */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'X-Campaign': 'signup' },
  })
  @IsOptional()
  @IsCustomHeaders()
  headers?: Record<string, string>;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsObject({ each: true, message: '$property must hold objects like {filename, content}' })
  @ValidateNested({ each: true })
  @Type(() => AttachmentDto)
  attachments?: AttachmentDto[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, {
    each: true,
    message: '$property must hold tags of 1-64 of A-Z a-z 0-9 _ . : -',
  })
  tags?: string[];

  /** When to send (ISO 8601 with a time zone), at most 30 days ahead; absent = now. */
  @ApiPropertyOptional({ format: 'date-time', pattern: SEND_AT_ZONE.source })
  @IsOptional()
  @IsSendAt()
  send_at?: string;

  /** Your own keys and values, returned by GET /send-email/:id. */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { user_id: '42' },
  })
  @IsOptional()
  @IsMetadata()
  metadata?: Record<string, string>;
}
