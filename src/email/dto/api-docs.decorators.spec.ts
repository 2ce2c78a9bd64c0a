import { ERROR_CODES, ErrorCode } from '../../common/error-codes';
import { ApiErrors } from './api-docs.decorators';

// @nestjs/swagger's metadata key for @ApiResponse; its constants are not exported.
const API_RESPONSE = 'swagger/apiResponse';

const line = (code: ErrorCode): string => `\`${code}\`: ${ERROR_CODES[code].when}`;

class Routes {
  @ApiErrors('sender_not_allowed', 'forbidden', 'not_found')
  route(): void {}
}

describe('ApiErrors', () => {
  it('documents one response per status, each described by its codes from ERROR_CODES', () => {
    const responses = Reflect.getMetadata(API_RESPONSE, Routes.prototype.route) as Record<
      string,
      { description: string }
    >;
    expect(Object.keys(responses)).toEqual(['403', '404']);
    expect(responses['403'].description).toBe(
      `${line('sender_not_allowed')}\n\n${line('forbidden')}`,
    );
    expect(responses['404'].description).toBe(line('not_found'));
  });
});
