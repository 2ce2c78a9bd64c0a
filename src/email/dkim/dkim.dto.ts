import { ApiProperty } from '@nestjs/swagger';

/** One signing domain and the DNS record it needs (GET /dkim). */
export class DkimRecordDto {
  /** Mail From this domain or any subdomain of it is signed with d= this domain. */
  @ApiProperty({ example: 'shop.example' })
  domain!: string;

  @ApiProperty({ example: 'mail2026' })
  selector!: string;

  @ApiProperty({ example: 'mail2026._domainkey.shop.example' })
  dns_name!: string;

  @ApiProperty({ enum: ['TXT'] })
  dns_type!: 'TXT';

  /** Publish as one TXT record (DNS providers split long values into 255-byte strings). */
  @ApiProperty({ example: 'v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA…' })
  dns_value!: string;
}

export class DkimRecordsDto {
  @ApiProperty({ type: [DkimRecordDto] })
  data!: DkimRecordDto[];
}
