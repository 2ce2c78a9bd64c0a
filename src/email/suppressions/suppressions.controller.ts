import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CODE } from '../../common/error-codes';
import { ROUTES } from '../../common/paths';
import { validationFailed } from '../../common/validation.errors';
import { ApiKeyRecord } from '../../config/api-key.parser';
import { ApiErrors, ApiKeyAuth } from '../dto/api-docs.decorators';
import { CallerKey, RedisDeadline } from '../http/request.decorators';
import { EmailQueueConnection } from '../store/email-queue.connection';
import {
  AddSuppressionDto,
  ListSuppressionsQuery,
  SuppressionDto,
  SuppressionPageDto,
} from './suppression.dto';
import { SuppressionStore, suppressionKeyOf } from './suppression.store';

const DEFAULT_PAGE = 100;

/** The :address of a route, normalised, or a 400 naming it. */
function addressParam(raw: string): string {
  const address = suppressionKeyOf(raw);
  if (address === null)
    throw validationFailed([
      { field: 'address', message: 'address must be one plain email address like ann@example.com' },
    ]);
  return address;
}

const notListed = (): NotFoundException =>
  new NotFoundException({ message: 'The address is not on this key’s list', code: CODE.not_found });

/** Each API key's own suppression list (SPEC §3, §8): addresses its emails are never sent to. */
@ApiTags('suppressions')
@ApiKeyAuth()
@Controller(ROUTES.suppressions)
export class SuppressionsController {
  constructor(
    private readonly store: SuppressionStore,
    private readonly connection: EmailQueueConnection,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Suppress an address',
    description: 'Idempotent: re-adding a listed address answers its entry as first stored.',
  })
  @ApiBody({
    type: AddSuppressionDto,
    examples: { one: { value: { address: 'ann@example.com' } } },
  })
  @ApiCreatedResponse({ type: SuppressionDto })
  @ApiErrors('validation_failed', 'payload_too_large', 'unsupported_media_type')
  add(
    @Body() dto: AddSuppressionDto,
    @CallerKey() key: ApiKeyRecord,
    @RedisDeadline() deadline?: number,
  ): Promise<SuppressionDto> {
    const entry = {
      address: addressParam(dto.address),
      reason: 'manual' as const,
      created_at: new Date().toISOString(),
    };
    return this.connection.run(() => this.store.add(key.name, entry), deadline);
  }

  @Get()
  @ApiOperation({
    summary: 'The key’s list, a page at a time, in address order',
    description: 'Follow `next` as `cursor`; entries added meanwhile never make one repeat.',
  })
  @ApiOkResponse({ type: SuppressionPageDto })
  @ApiErrors('validation_failed')
  list(
    @Query() query: ListSuppressionsQuery,
    @CallerKey() key: ApiKeyRecord,
    @RedisDeadline() deadline?: number,
  ): Promise<SuppressionPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE;
    return this.connection.run(() => this.store.page(key.name, limit, query.cursor), deadline);
  }

  @Get(':address')
  @ApiOperation({ summary: 'One address’s entry (compared case-insensitively)' })
  @ApiOkResponse({ type: SuppressionDto })
  @ApiErrors('validation_failed', 'not_found')
  async get(
    @Param('address') raw: string,
    @CallerKey() key: ApiKeyRecord,
    @RedisDeadline() deadline?: number,
  ): Promise<SuppressionDto> {
    const address = addressParam(raw);
    const entry = await this.connection.run(() => this.store.get(key.name, address), deadline);
    if (!entry) throw notListed();
    return entry;
  }

  @Delete(':address')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Take an address off the list: it is mailed again' })
  @ApiNoContentResponse()
  @ApiErrors('validation_failed', 'not_found')
  async remove(
    @Param('address') raw: string,
    @CallerKey() key: ApiKeyRecord,
    @RedisDeadline() deadline?: number,
  ): Promise<void> {
    const address = addressParam(raw);
    if (!(await this.connection.run(() => this.store.remove(key.name, address), deadline)))
      throw notListed();
  }
}
