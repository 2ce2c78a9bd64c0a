import { HttpStatus, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import { ErrorDto } from './responses.dto';

const WHEN: Partial<Record<HttpStatus, string>> = {
  [HttpStatus.BAD_REQUEST]: 'A field is invalid (`validation_failed`; `errors` names each one)',
  [HttpStatus.UNAUTHORIZED]: 'No API key, or an unknown one (`unauthorized`)',
  [HttpStatus.FORBIDDEN]: 'The key may not send from `email_from` (`sender_not_allowed`)',
  [HttpStatus.NOT_FOUND]: 'No such email for this API key (`not_found`)',
  [HttpStatus.CONFLICT]:
    'The Idempotency-Key was used with another body, or is still running (`idempotency_conflict`)',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'The body is over MAX_BODY (`payload_too_large`)',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'The body is not JSON (`unsupported_media_type`)',
  [HttpStatus.TOO_MANY_REQUESTS]:
    'Over the key’s rate limit; see Retry-After and RateLimit-* (`rate_limited`)',
  [HttpStatus.SERVICE_UNAVAILABLE]:
    'Redis is unreachable; nothing was accepted (`queue_unavailable`)',
};

/** The API-key schemes (either one) and the errors every API route can answer. */
export const ApiKeyAuth = (): ClassDecorator & MethodDecorator =>
  applyDecorators(
    ApiSecurity('api-key'),
    ApiBearerAuth('bearer'),
    ApiErrors(
      HttpStatus.UNAUTHORIZED,
      HttpStatus.TOO_MANY_REQUESTS,
      HttpStatus.SERVICE_UNAVAILABLE,
    ),
  );

export const ApiErrors = (...statuses: HttpStatus[]): ClassDecorator & MethodDecorator =>
  applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, description: WHEN[status], type: ErrorDto })),
  );

export const ApiIdempotencyKey = (): MethodDecorator =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      '1–256 characters. A repeat within 24 h with the same body returns the first answer with `Idempotent-Replay: true` and queues nothing.',
  });
