import { Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { emailsBounced, emailsComplained } from '../../common/metrics';
import { parseBounceReport } from '../bounces/bounce-report.parser';
import { BounceReport } from '../bounces/bounce.types';
import { ReturnPathService } from '../bounces/return-path.service';
import { BounceReportStore } from './bounce-report.store';
import { ReportEffectBuilder, ReportedEmail } from './report-effect.builder';

/**
 * What became of one report, never an exception: `failed` when Redis failed it (the sender
 * should try again later: 451 over SMTP, 503 over HTTP), `ignored` when it is of no use.
 */
export type IntakeResult = 'applied' | 'ignored' | 'failed';

const UUID_MESSAGE_ID =
  /^<([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})@[^<>]+>$/i;

/**
 * Bounce and complaint reports (SPEC §8), from the SMTP listener and POST /bounces alike:
 * parses one, finds the email it is about and applies it (status, suppression list, count,
 * event) in one write. Anything it cannot use (not a report, an unknown email, another key's
 * email, a recipient the email did not have, a repeat) is dropped and changes nothing.
 */
@Injectable()
export class BounceIntake {
  constructor(
    private readonly returnPaths: ReturnPathService,
    private readonly store: BounceReportStore,
    private readonly effects: ReportEffectBuilder,
    @InjectPinoLogger(BounceIntake.name) private readonly logger: PinoLogger,
  ) {}

  /** Applies the report in `raw`; with `owner` (POST /bounces) only to that key's emails. */
  async take(raw: Buffer, owner?: string): Promise<IntakeResult> {
    try {
      return await this.apply(raw, owner);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'bounce report not applied');
      return 'failed';
    }
  }

  private async apply(raw: Buffer, owner?: string): Promise<IntakeResult> {
    const report = await parseBounceReport(raw);
    const email = report && (await this.find(report));
    if (!report || !email || (owner !== undefined && email.owner !== owner))
      return this.ignored(report ? 'no email of the caller' : 'not a report');
    const effect = this.effects.build(email, report);
    if (!effect) return this.ignored('no recipient of the email');
    const applied = await this.store.apply(email.id, email.owner, effect);
    if (applied === 'nothing') return this.ignored('already applied, or not sent');
    if (applied === 'suppressions') return this.ignored('bounced already: recipients suppressed');
    if (effect.kind === 'bounce') emailsBounced.inc();
    if (effect.kind === 'complaint') emailsComplained.inc();
    this.logger.info({ email_id: email.id, kind: effect.kind }, 'bounce report applied');
    return 'applied';
  }

  /** The email by its VERP envelope sender, else by its Message-ID (checked on its record). */
  private async find(report: BounceReport): Promise<ReportedEmail | undefined> {
    const byVerp = await this.returnPaths.emailIdIn(report.verpCandidates);
    const byMessageId = UUID_MESSAGE_ID.exec(report.originalMessageId ?? '')?.[1];
    const id = (byVerp ?? byMessageId)?.toLowerCase();
    if (!id) return undefined;
    const record = await this.store.read(id);
    if (!record.owner) return undefined;
    const sameMessage =
      record.message_id?.toLowerCase() === report.originalMessageId?.toLowerCase();
    if (!byVerp && !sameMessage) return undefined;
    const summary = await this.store.summaryOf(id, record);
    return summary && { id, owner: record.owner, record, summary };
  }

  private ignored(why: string): IntakeResult {
    this.logger.debug({ why }, 'bounce report ignored');
    return 'ignored';
  }
}
