import { Controller, Get } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ROUTES } from '../../common/paths';
import { EnvironmentVariables } from '../../config/env.validation';
import { ApiKeyAuth } from '../dto/api-docs.decorators';
import { DkimRecordsDto } from './dkim.dto';

/** The DKIM keys' public halves (SPEC §9): what to publish in DNS, never a private key. */
@ApiTags('dkim')
@ApiKeyAuth()
@Controller(ROUTES.dkim)
export class DkimController {
  private readonly records: DkimRecordsDto;

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    const keys = config.get('dkimKeys', { infer: true });
    this.records = {
      data: keys.map(({ domain, selector, dnsTxt }) => ({
        domain,
        selector,
        dns_name: `${selector}._domainkey.${domain}`,
        dns_type: 'TXT',
        dns_value: dnsTxt,
      })),
    };
  }

  @Get()
  @ApiOperation({
    summary: 'The DNS records the DKIM keys need',
    description:
      'One TXT record per signing domain (DKIM_KEYS_FILE): publish each before sending, or receivers fail the signature. Empty without DKIM_KEYS_FILE.',
  })
  @ApiOkResponse({ type: DkimRecordsDto })
  list(): DkimRecordsDto {
    return this.records;
  }
}
