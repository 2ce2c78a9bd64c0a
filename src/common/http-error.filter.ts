import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { CODE, fallbackCode } from './error-codes';
import { FieldError } from './validation.errors';

/** SPEC §3 error body; `code` is the stable value clients branch on. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code: string;
  errors?: FieldError[];
}

/** Errors raised by Express' body parser carry a status and a type instead of being HttpExceptions. */
interface ParserError {
  status?: number;
  type?: string;
  message?: string;
}

const PARSER_MESSAGES: Record<string, string> = {
  'entity.parse.failed': 'The body is not valid JSON',
  'entity.too.large': 'The body is larger than MAX_BODY allows',
  'entity.verify.failed': 'The body is not acceptable JSON',
  'charset.unsupported': 'Send the body as UTF-8',
  'encoding.unsupported': 'Unsupported Content-Encoding',
};

/** SPEC §3's error body: built here and nowhere else. */
const errorBody = (statusCode: number, message: string, code: string): ErrorBody => ({
  statusCode,
  error: STATUS_CODES[statusCode] ?? 'Error',
  message,
  code,
});

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(@InjectPinoLogger(HttpErrorFilter.name) private readonly logger: PinoLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const body = this.toBody(exception);
    if (body.statusCode >= 500 && body.code === CODE.internal_error) {
      this.logger.error({ err: exception }, 'unhandled error');
    }
    const response = host.switchToHttp().getResponse<Response>();
    if (body.statusCode === 503) response.setHeader('Retry-After', '5');
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.getResponse();
      const fields = typeof raw === 'object' ? (raw as Record<string, unknown>) : { message: raw };
      const message = Array.isArray(fields.message)
        ? fields.message.join('; ')
        : String(fields.message);
      const code =
        typeof fields.code === 'string' ? fields.code : (fallbackCode(status) ?? 'error');
      return {
        ...errorBody(status, message, code),
        ...(fields.errors ? { errors: fields.errors as FieldError[] } : {}),
      };
    }
    const parser = exception as ParserError;
    if (
      parser &&
      typeof parser.status === 'number' &&
      parser.status >= 400 &&
      parser.status < 500
    ) {
      const prefix = PARSER_MESSAGES[parser.type ?? ''] ?? 'The request body was refused';
      const status = parser.status === 403 ? 400 : parser.status;
      const detail = status === 413 ? '' : `: ${parser.message}`;
      const code = fallbackCode(status) ?? CODE.validation_failed;
      return errorBody(status, `${prefix}${detail}`, code);
    }
    return errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal error', CODE.internal_error);
  }
}
