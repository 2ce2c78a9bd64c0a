import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import { ErrorDto } from './responses.dto';
import { ERROR_CODES, ErrorCode } from '../../common/error-codes';

/** The API-key schemes (either one) and the errors every API route can answer. */
export const ApiKeyAuth = (): ClassDecorator & MethodDecorator =>
  applyDecorators(
    ApiSecurity('api-key'),
    ApiBearerAuth('bearer'),
    ApiErrors('unauthorized', 'rate_limited', 'queue_unavailable'),
  );

/** One error response per status, described by the codes of that status the route answers. */
export const ApiErrors = (...codes: ErrorCode[]): ClassDecorator & MethodDecorator => {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, shared]) =>
      ApiResponse({
        status,
        description: shared.map((code) => `\`${code}\`: ${ERROR_CODES[code].when}`).join('\n\n'),
        type: ErrorDto,
      }),
    ),
  );
};

export const ApiIdempotencyKey = (): MethodDecorator =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      '1–256 characters. A repeat within 24 h with the same body returns the first answer with `Idempotent-Replay: true` and queues nothing.',
  });
