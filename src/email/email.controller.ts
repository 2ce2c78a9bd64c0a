import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  UseInterceptors,
} from '@nestjs/common';
import { ApiKeyRecord } from './api-key.store';
import { CallerKey } from './api-key.guard';
import { SendBatchDto } from './dto/send-batch.dto';
import { SendEmailDto } from './dto/send-email.dto';
import { AcceptedBatch, AcceptedEmail, EmailService } from './email.service';
import { EmailStatus } from './email.types';
import { IdempotencyInterceptor } from './idempotency.interceptor';

@Controller('send-email')
export class EmailController {
  constructor(private readonly emails: EmailService) {}

  /** Validates and queues one email; answers before it is sent. */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @UseInterceptors(IdempotencyInterceptor)
  send(@Body() dto: SendEmailDto, @CallerKey() key: ApiKeyRecord): Promise<AcceptedEmail> {
    return this.emails.accept(dto, key);
  }

  /** Validates all of up to 100 emails, then queues all of them or none. */
  @Post('batch')
  @HttpCode(HttpStatus.ACCEPTED)
  @UseInterceptors(IdempotencyInterceptor)
  sendBatch(@Body() dto: SendBatchDto, @CallerKey() key: ApiKeyRecord): Promise<AcceptedBatch> {
    return this.emails.acceptBatch(dto, key);
  }

  /** Where an email is: queued, scheduled, sending, sent or failed. */
  @Get(':id')
  status(@Param('id') id: string, @CallerKey() key: ApiKeyRecord): Promise<EmailStatus> {
    return this.emails.status(id, key);
  }
}
