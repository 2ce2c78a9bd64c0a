import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiKeyRecord } from './api-key.store';
import { CallerKey } from './api-key.guard';
import { SendEmailDto } from './dto/send-email.dto';
import { AcceptedEmail, EmailService } from './email.service';
import { EmailStatus } from './email.types';

@Controller('send-email')
export class EmailController {
  constructor(private readonly emails: EmailService) {}

  /** Validates and queues one email; answers before it is sent. */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  send(@Body() dto: SendEmailDto, @CallerKey() key: ApiKeyRecord): Promise<AcceptedEmail> {
    return this.emails.accept(dto, key);
  }

  /** Where an email is: queued, scheduled, sending, sent or failed. */
  @Get(':id')
  status(@Param('id') id: string, @CallerKey() key: ApiKeyRecord): Promise<EmailStatus> {
    return this.emails.status(id, key);
  }
}
