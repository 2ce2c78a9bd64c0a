import { ISendMailOptions } from '@nestjs-modules/mailer';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EnvironmentVariables } from '../../config/env.validation';
import { ReturnPathService } from '../bounces/return-path.service';
import { EmailJobData } from '../store/email.types';
import {
  SendSuppressions,
  recipientsOf,
  withoutSuppressed,
} from '../suppressions/send-suppressions';
import { TemplateService } from '../template.service';
import { jobDataProblem } from './job-data.check';
import { composeSigned } from './mail.composer';
import { InvalidJobError } from './send-failure';

/** What one attempt sends, and which recipients it leaves out. */
export interface PreparedMail {
  /** Absent when every recipient is suppressed: nothing goes out. */
  mail?: ISendMailOptions;
  suppressed: string[];
}

/**
 * A job's data made into the message of one attempt: checked (it comes from Redis, so it is
 * untrusted), without the key's suppressed recipients, with the email's VERP envelope sender
 * and, for a From domain with a key, its DKIM signature.
 */
@Injectable()
export class MailPreparer {
  constructor(
    private readonly templates: TemplateService,
    private readonly suppressions: SendSuppressions,
    private readonly returnPaths: ReturnPathService,
    private readonly config: ConfigService<EnvironmentVariables, true>,
  ) {}

  /** Throws InvalidJobError for data no attempt could send. */
  async prepare(data: EmailJobData): Promise<PreparedMail> {
    const problem = jobDataProblem(data, this.templates);
    if (problem) throw new InvalidJobError(problem);
    const suppressed = await this.suppressions.suppressedOf(data);
    const left = withoutSuppressed(data, suppressed);
    if (recipientsOf(left).length === 0) return { suppressed };
    const returnPath = await this.returnPaths.of(data.id);
    const dkimKeys = this.config.get('dkimKeys', { infer: true });
    const mail = await composeSigned({ ...data, ...left }, this.templates, dkimKeys, returnPath);
    return { mail, suppressed };
  }
}
