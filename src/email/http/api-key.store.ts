import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { timingSafeEqual } from 'node:crypto';
import { EnvironmentVariables } from '../../config/env.validation';
import { ApiKeyRecord, isTrialKey, sha256 } from '../../config/api-key.parser';

@Injectable()
export class ApiKeyStore {
  private readonly records: ApiKeyRecord[];

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    // Parsed once, by validate(): the store only holds what the configuration checked.
    this.records = config.get('apiKeys', { infer: true });
    const trial = this.records.find(isTrialKey);
    if (trial) {
      new Logger(ApiKeyStore.name).warn(
        `API key "${trial.name}" is the public trial key of .env.example: fine for a local trial; NODE_ENV=production refuses it`,
      );
    }
  }

  /** Finds the record for a presented key, comparing digests in constant time against all. */
  find(presented: string): ApiKeyRecord | undefined {
    const digest = sha256(presented);
    let found: ApiKeyRecord | undefined;
    for (const record of this.records) {
      if (timingSafeEqual(record.digest, digest)) found ??= record;
    }
    return found;
  }
}
