import {
  Controller,
  HttpCode,
  HttpStatus,
  PayloadTooLargeException,
  Post,
  Req,
  Res,
  ServiceUnavailableException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, RequestHandler, Response } from 'express';
import { raw } from 'express';
import { CODE } from '../../common/error-codes';
import { ROUTES } from '../../common/paths';
import { ApiKeyRecord } from '../../config/api-key.parser';
import { ApiErrors, ApiKeyAuth } from '../dto/api-docs.decorators';
import { AcceptedReportDto } from '../dto/responses.dto';
import { CallerKey, RedisDeadline } from '../http/request.decorators';
import { EmailQueueConnection } from '../store/email-queue.connection';
import { BounceIntake } from './bounce-intake.service';

/** A report bigger than this is refused: real ones are a few kilobytes (the listener's too). */
export const MAX_REPORT_BYTES = 1024 * 1024;
const REPORT_TYPE = 'message/rfc822';

const EXAMPLE = `From: MAILER-DAEMON@mx.example.com
To: bounce+6f1c2a9e-3b1d-4c55-9a0e-2f9d3c7b8e11.0a1b2c3d4e5f6a7b@bounces.shop.example
Subject: Undelivered Mail Returned to Sender
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; ann@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown
--b--
`;

/** POST /bounces (SPEC §3): a report fetched from a mailbox, as the listener would get it. */
@ApiTags('bounces')
@ApiKeyAuth()
@Controller(ROUTES.bounces)
export class BouncesController {
  private readonly read: RequestHandler = raw({ limit: MAX_REPORT_BYTES, type: REPORT_TYPE });

  constructor(
    private readonly intake: BounceIntake,
    private readonly connection: EmailQueueConnection,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Hand in a bounce or complaint report',
    description:
      'The raw message (RFC 3464 delivery status report or RFC 5965 feedback report), for ' +
      'setups that fetch bounces from a mailbox. Applied like one arriving at the bounce ' +
      "listener, to the calling key's emails only; anything else is accepted and ignored.",
  })
  @ApiConsumes(REPORT_TYPE)
  @ApiBody({
    schema: { type: 'string', format: 'binary', example: EXAMPLE },
    description: 'The whole message, headers and body, at most 1 MiB.',
  })
  @ApiAcceptedResponse({ type: AcceptedReportDto })
  @ApiErrors('payload_too_large', 'unsupported_media_type')
  async take(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @CallerKey() key: ApiKeyRecord,
    @RedisDeadline() deadline?: number,
  ): Promise<AcceptedReportDto> {
    const report = await this.body(request, response);
    const result = await this.connection.run(() => this.intake.take(report, key.name), deadline);
    if (result === 'failed')
      throw new ServiceUnavailableException({
        message: 'The report could not be stored (Redis); send it again later.',
        code: CODE.queue_unavailable,
      });
    return { result: 'accepted' };
  }

  private async body(request: Request, response: Response): Promise<Buffer> {
    // Not request.is(): it says "no type" for an empty body, which is a report of nothing.
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== REPORT_TYPE)
      throw new UnsupportedMediaTypeException({
        message: `Send the report as the raw message with Content-Type: ${REPORT_TYPE}`,
        code: CODE.unsupported_media_type,
      });
    const error = await new Promise<unknown>((resolve) => this.read(request, response, resolve));
    if ((error as { type?: string } | undefined)?.type === 'entity.too.large')
      throw new PayloadTooLargeException({
        message: 'A report may be at most 1 MiB',
        code: CODE.payload_too_large,
      });
    if (error) throw error as Error;
    return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  }
}
