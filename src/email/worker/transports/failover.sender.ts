import { ISendMailOptions, MailerService } from '@nestjs-modules/mailer';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job } from 'bull';
import type { SentMessageInfo } from 'nodemailer';
import { EnvironmentVariables } from '../../../config/env.validation';
import { RESERVED_TRANSPORT } from '../../../config/transports.config';
import { EmailJobData } from '../../store/email.types';
import { CircuitBreaker } from './circuit-breaker';
import { FailureStage, failureStage, failureText } from './failure-stage';
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

/** What a job carries in Bull's progress once a send on it was ambiguous. */
interface Pin {
  transport?: string;
}

/**
 * Sends a job's mail through its key's transports in order (SPEC §9): on to the next at once
 * when a failure proves the message never reached the server; otherwise the attempt ends.
 * After an ambiguous failure the job is pinned to that transport for its remaining attempts
 * (in its Bull progress, which survives the retry), so a message is never sent by two.
 */
@Injectable()
export class FailoverSender {
  private readonly breaker: CircuitBreaker;

  constructor(
    private readonly mailer: MailerService,
    private readonly config: ConfigService<EnvironmentVariables, true>,
    private readonly state: TransportState,
  ) {
    this.breaker = new CircuitBreaker(config.get('TRANSPORT_COOLDOWN_MS', { infer: true }));
  }

  async send(job: Job<EmailJobData>, mail: ISendMailOptions): Promise<Delivery> {
    const route = this.routeOf(job.data);
    const pinned = (job.progress() as Pin | undefined)?.transport;
    const order = pinned && route.includes(pinned) ? [pinned] : this.breaker.order(route);
    const errors: TransportError[] = [];
    for (const [n, transport] of order.entries()) {
      const watch = new MessageWatch();
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
        this.outcome(transport, stage === 'refused');
        if (stage === 'ambiguous') await job.progress({ transport } satisfies Pin);
        const last = n === order.length - 1 || pinned !== undefined;
        if (stage !== 'unreached' || last) throw new TransportsFailed(error, stage, errors);
        this.state.failedOver(transport);
      }
    }
    throw new Error('no transport to send with');
  }

  /** The key's transports, else all in file order; the outbox for test keys or without SMTP. */
  private routeOf(data: EmailJobData): string[] {
    const transports = this.config.get('transports', { infer: true });
    if (data.test || transports.length === 0) return [RESERVED_TRANSPORT];
    const key = this.config.get('apiKeys', { infer: true }).find(({ name }) => name === data.key);
    return key?.transports ?? transports.map(({ name }) => name);
  }

  /** A server that answered (even no) works; one that could not be reached cools down. */
  private outcome(transport: string, worked: boolean): void {
    if (worked) this.breaker.worked(transport);
    else this.breaker.failed(transport);
    this.state.record(transport, worked);
  }
}
