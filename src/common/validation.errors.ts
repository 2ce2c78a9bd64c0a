import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { CODE } from './error-codes';

/** One bad field of a request, as it appears in a 400's `errors` list. */
export interface FieldError {
  field: string;
  message: string;
}

const clip = (text: string): string => (text.length > 200 ? `${text.slice(0, 200)}…` : text);

export function flattenErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    // Unknown property names come from the caller: shorten them, never treat them as patterns.
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({
      field: clip(field),
      message: clip(
        rule === 'whitelistValidation'
          ? `${field} is not a known field`
          : message.startsWith(error.property)
            ? field + message.slice(error.property.length)
            : message,
      ),
    }));
    return [...own, ...flattenErrors(error.children ?? [], field)];
  });
}

export function validationFailed(errors: FieldError[]): BadRequestException {
  return new BadRequestException({
    message: errors.map((error) => error.message).join('; '),
    code: CODE.validation_failed,
    errors,
  });
}

export const createValidationPipe = (): ValidationPipe =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationFailed(flattenErrors(errors)),
  });
