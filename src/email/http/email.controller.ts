import { Body, Controller, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors, ApiIdempotencyKey, ApiKeyAuth } from '../dto/api-docs.decorators';
import { ApiKeyRecord } from '../../config/api-key.parser';
import { CallerKey, Idempotent, IdempotentRequest, RedisDeadline } from './request.decorators';
import { BATCH_EXAMPLE, SEND_EMAIL_EXAMPLES } from '../dto/examples';
import { AcceptedBatchDto, AcceptedEmailDto, EmailStatusDto } from '../dto/responses.dto';
import { SendBatchDto } from '../dto/send-batch.dto';
import { SendEmailDto } from '../dto/send-email.dto';
import { RescheduleEmailDto } from '../dto/schedule.dto';
import { EmailService } from './email.service';
import { IdempotencyService } from './idempotency.service';
import { ErrorCode } from '../../common/error-codes';
import { ROUTES } from '../../common/paths';

/** What a send can be refused with, besides what every API route can answer. */
const SEND_ERRORS: ErrorCode[] = [
  'validation_failed',
  'sender_not_allowed',
  'idempotency_conflict',
  'payload_too_large',
  'unsupported_media_type',
];

@ApiTags('emails')
@ApiKeyAuth()
@Controller(ROUTES.email)
export class EmailController {
  constructor(
    private readonly emails: EmailService,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Queue one email',
    description: 'Validates, queues and answers at once; a worker sends it.',
  })
  @ApiIdempotencyKey()
  @ApiBody({ type: SendEmailDto, examples: SEND_EMAIL_EXAMPLES })
  @ApiAcceptedResponse({ type: AcceptedEmailDto })
  @ApiErrors(...SEND_ERRORS)
  send(
    @Body() dto: SendEmailDto,
    @CallerKey() key: ApiKeyRecord,
    @Idempotent() request: IdempotentRequest,
  ): Promise<AcceptedEmailDto> {
    return this.idempotency.run(request, () => this.emails.accept(dto, key, request.deadline));
  }

  @Post('batch')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Queue up to 100 emails, all or none',
    description:
      'One bad item refuses the whole batch (400 naming `emails.N.field`); nothing is queued.',
  })
  @ApiIdempotencyKey()
  @ApiBody({
    type: SendBatchDto,
    examples: { two: { summary: 'Two emails', value: BATCH_EXAMPLE } },
  })
  @ApiAcceptedResponse({ type: AcceptedBatchDto })
  @ApiErrors(...SEND_ERRORS)
  sendBatch(
    @Body() dto: SendBatchDto,
    @CallerKey() key: ApiKeyRecord,
    @Idempotent() request: IdempotentRequest,
  ): Promise<AcceptedBatchDto> {
    return this.idempotency.run(request, () => this.emails.acceptBatch(dto, key, request.deadline));
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Where an email is',
    description: 'Kept 7 days; only for the API key that created it.',
  })
  @ApiOkResponse({ type: EmailStatusDto })
  @ApiErrors('not_found')
  status(
    @Param('id') id: string,
    @CallerKey() key: ApiKeyRecord,
    @RedisDeadline() deadline?: number,
  ): Promise<EmailStatusDto> {
    return this.emails.status(id, key, deadline);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Cancel a scheduled email',
    description:
      'Only while it is `scheduled`: it is then never sent. Once a worker has taken it, 409.',
  })
  @ApiOkResponse({ type: EmailStatusDto })
  @ApiErrors('not_found', 'invalid_state')
  cancel(
    @Param('id') id: string,
    @CallerKey() key: ApiKeyRecord,
    @RedisDeadline() deadline?: number,
  ): Promise<EmailStatusDto> {
    return this.emails.cancel(id, key, deadline);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Move a scheduled email to another send time',
    description: 'Only while it is `scheduled`; `send_at` follows the rules of sending.',
  })
  @ApiBody({
    type: RescheduleEmailDto,
    examples: { later: { summary: 'A new time', value: { send_at: '2026-12-02T09:00:00Z' } } },
  })
  @ApiOkResponse({ type: EmailStatusDto })
  @ApiErrors(
    'validation_failed',
    'not_found',
    'invalid_state',
    'payload_too_large',
    'unsupported_media_type',
  )
  reschedule(
    @Param('id') id: string,
    @Body() dto: RescheduleEmailDto,
    @CallerKey() key: ApiKeyRecord,
    @RedisDeadline() deadline?: number,
  ): Promise<EmailStatusDto> {
    return this.emails.reschedule(id, dto, key, deadline);
  }
}
