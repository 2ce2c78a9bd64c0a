import { ISendMailOptions, MailerService } from '@nestjs-modules/mailer';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job } from 'bull';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { SentMessageInfo } from 'nodemailer';
import { EnvironmentVariables } from '../../../config/env.validation';
import { RESERVED_TRANSPORT } from '../../../config/transports.config';
import { EmailJobData } from '../../store/email.types';
import { CircuitBreaker } from './circuit-breaker';
import { FailureStage, failureStage, failureText, transportFault } from './failure-stage';
import { MESSAGE_WATCH, MessageWatch } from './message.watch';
import { TransportState } from './transport.state';

/** One transport's failure within an attempt, as the status keeps it. */
export interface TransportError {
  transport: string;
  error: string;
}

export interface Delivery {
  info: SentMessageInfo;
  transport: string;
  /** The transports that failed before `transport` took it, in this attempt. */
  errors: TransportError[];
}

/** Every transport tried in this attempt failed; `last` is the last one's error. */
export class TransportsFailed extends Error {
  constructor(
    readonly last: unknown,
    readonly stage: FailureStage,
    readonly errors: TransportError[],
  ) {
    super(failureText(last));
  }
}

/** What a job carries in Bull's progress once its message went out through a transport. */
interface Pin {
  transport?: string;
}

/**
 * Sends a job's mail through its key's transports in order (SPEC §9): on to the next at once
 * when a failure proves the message never reached the server; otherwise the attempt ends.
 * Once a byte of the message leaves through a transport the job is pinned to it (in its Bull
 * progress, which survives a retry and a crash), so a message is never sent by two.
 */
@Injectable()
export class FailoverSender {
  private readonly breaker: CircuitBreaker;

  constructor(
    private readonly mailer: MailerService,
    private readonly config: ConfigService<EnvironmentVariables, true>,
    private readonly state: TransportState,
    @InjectPinoLogger(FailoverSender.name) private readonly logger: PinoLogger,
  ) {
    this.breaker = new CircuitBreaker(config.get('TRANSPORT_COOLDOWN_MS', { infer: true }));
  }

  async send(job: Job<EmailJobData>, mail: ISendMailOptions): Promise<Delivery> {
    const route = this.routeOf(job.data);
    const order = this.pinnedOf(job, route) ?? this.breaker.order(route);
    const errors: TransportError[] = [];
    for (const [n, transport] of order.entries()) {
      // With one transport there is nothing another could duplicate: no pin, no write.
      const watch = new MessageWatch(route.length > 1 ? () => this.pin(job, transport) : null);
      try {
        const info = await this.mailer.sendMail({
          ...mail,
          transporterName: transport,
          [MESSAGE_WATCH]: watch,
        } as ISendMailOptions);
        this.outcome(transport, true);
        return { info, transport, errors };
      } catch (error) {
        errors.push({ transport, error: failureText(error) });
        const stage = failureStage(error, watch.started);
        this.outcome(transport, !transportFault(error));
        const detail = (error as Error).message?.slice(0, 300);
        this.logger.warn({ job_id: job.id, transport, stage, err: detail }, 'transport failed');
        // Pinned as the message left, unless that write failed (or the route had no other).
        if (stage === 'ambiguous' && (await watch.whenStarted) !== true)
          await this.pin(job, transport);
        if (stage !== 'unreached' || n === order.length - 1)
          throw new TransportsFailed(error, stage, errors);
        this.state.failedOver(transport);
      }
    }
    throw new Error('no transport to send with');
  }

  /** The transport an earlier try of the job's message may have reached, if still routed. */
  private pinnedOf(job: Job<EmailJobData>, route: string[]): string[] | undefined {
    const pinned = (job.progress() as Pin | undefined)?.transport;
    if (pinned === undefined) return undefined;
    if (route.includes(pinned)) return [pinned];
    this.logger.warn({ job_id: job.id, transport: pinned }, 'pinned transport no longer routed');
    return undefined;
  }

  /** Never throws: a pin that cannot be stored leaves the retry to the route (logged). */
  private async pin(job: Job<EmailJobData>, transport: string): Promise<boolean> {
    try {
      await job.progress({ transport } satisfies Pin);
      return true;
    } catch (error) {
      const err = (error as Error).message;
      this.logger.error({ job_id: job.id, transport, err }, 'transport pin not stored');
      return false;
    }
  }

  /** The key's transports, else all in file order; the outbox for test keys or without SMTP. */
  private routeOf(data: EmailJobData): string[] {
    const transports = this.config.get('transports', { infer: true });
    if (data.test || transports.length === 0) return [RESERVED_TRANSPORT];
    const key = this.config.get('apiKeys', { infer: true }).find(({ name }) => name === data.key);
    return key?.transports ?? transports.map(({ name }) => name);
  }

  private outcome(transport: string, worked: boolean): void {
    if (worked) this.breaker.worked(transport);
    else this.breaker.failed(transport);
    this.state.record(transport, worked);
  }
}
