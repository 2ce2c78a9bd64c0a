import type { MailerService } from '@nestjs-modules/mailer';
import type { Job } from 'bull';
import type { PinoLogger } from 'nestjs-pino';
import { EmailEventFactory } from '../events/email-event.factory';
import { EmailOutcomeStore, Finish } from '../store/email-outcome.store';
import { EmailOutcomeRecorder } from './email-outcome.recorder';
import { EmailProcessor } from './email.processor';
import { MailPreparer } from './mail.preparer';
import { EmailJobData } from '../store/email.types';
import { TemplateService } from '../template.service';
import { SendSuppressions } from '../suppressions/send-suppressions';
import { FailoverSender } from './transports/failover.sender';
import { TransportState } from './transports/transport.state';

const data = {
  id: 'a1',
  key: 'app',
  message_id: '<a1@shop.example>',
  created_at: '2026-01-01T00:00:00.000Z',
  from: { name: '', address: 'no-reply@shop.example' },
  to: [{ name: '', address: 'ann@example.com' }],
  subject: 'Hi',
  text: 'hi',
} satisfies EmailJobData;

function setup(
  state: string | undefined,
  sendMail = jest.fn().mockResolvedValue({ accepted: ['ann@example.com'], rejected: [] }),
  suppressed: string[] = [],
) {
  const order: string[] = [];
  sendMail.mockImplementation(() => {
    order.push('smtp 250');
    return Promise.resolve({ accepted: ['ann@example.com'], rejected: [] });
  });
  const statuses = {
    begin: jest.fn(() => {
      if (state !== undefined && state !== 'sent') order.push('status sending');
      return Promise.resolve(state);
    }),
    update: jest.fn((_id: string, update: { status: string }) => {
      order.push(`status ${update.status}`);
      return Promise.resolve();
    }),
    finish: jest.fn((_id: string, update: { status: string }, _outcome: string, more: Finish) => {
      const resting = more.resting as { text?: string } | undefined;
      order.push(`status ${update.status}${resting && !resting.text ? ', body dropped' : ''}`);
      return Promise.resolve();
    }),
  };
  const event = { id: 'evt' };
  const events = { build: jest.fn(() => event) };
  const log = {
    info: jest.fn(),
    warn: jest.fn(),
    debug: jest.fn(),
    error: jest.fn(),
  };
  const templates = { check: () => [] } as unknown as TemplateService;
  const logger = { logger: log } as unknown as PinoLogger;
  const outcomes = new EmailOutcomeRecorder(
    statuses as unknown as EmailOutcomeStore,
    { observe: jest.fn() } as never,
    events as unknown as EmailEventFactory,
    templates,
    { hold: (held: unknown) => held, post: jest.fn() } as never,
    logger,
  );
  const suppressions = {
    suppressedOf: jest.fn().mockResolvedValue(suppressed),
    recordRefusals: jest.fn().mockResolvedValue([]),
  };
  const config = { get: (name: string) => (name === 'TRANSPORT_COOLDOWN_MS' ? 0 : []) } as never;
  const transportState = { record: jest.fn(), failedOver: jest.fn() } as unknown as TransportState;
  const sender = new FailoverSender(
    { sendMail } as unknown as MailerService,
    config,
    transportState,
    {
      warn: jest.fn(),
      error: jest.fn(),
    } as unknown as PinoLogger,
  );
  const preparer = new MailPreparer(
    templates,
    suppressions as unknown as SendSuppressions,
    { of: jest.fn().mockResolvedValue(undefined) } as never,
    config,
  );
  const processor = new EmailProcessor(
    {} as never,
    preparer,
    sender,
    statuses as unknown as EmailOutcomeStore,
    outcomes,
    { started: jest.fn(), ended: jest.fn() } as never,
    suppressions as unknown as SendSuppressions,
    config,
    logger,
  );
  const job = {
    progress: jest.fn(() => 0),
    id: 'a1',
    data,
    attemptsMade: 0,
    opts: { attempts: 5 },
    discard: jest.fn(),
  } as unknown as Job<EmailJobData>;
  return { processor, job, sendMail, statuses, suppressions, events, event, order };
}

describe('EmailProcessor.send', () => {
  it('records sent right after the SMTP 250, with the job Message-ID', async () => {
    const { processor, job, sendMail, events, order } = setup('queued');
    await expect(processor.send(job)).resolves.toMatchObject({
      message_id: '<a1@shop.example>',
      accepted: 1,
    });
    expect(sendMail).toHaveBeenCalledWith(
      expect.objectContaining({ messageId: '<a1@shop.example>' }),
    );
    expect(order).toEqual(['status sending', 'smtp 250', 'status sent, body dropped']);
    expect(events.build).toHaveBeenCalledWith(data, 'email.sent', { status: 'sent', attempts: 1 });
  });

  it('never sends again a job whose record already says sent (a crash after the 250)', async () => {
    const { processor, job, sendMail } = setup('sent');
    await expect(processor.send(job)).resolves.toMatchObject({ skipped: 'already sent' });
    expect(sendMail).not.toHaveBeenCalled();
  });

  it('never sends a job whose request was not acknowledged (no status record)', async () => {
    const { processor, job, sendMail } = setup(undefined);
    await expect(processor.send(job)).resolves.toMatchObject({
      skipped: 'never acknowledged to the caller',
    });
    expect(sendMail).not.toHaveBeenCalled();
  });

  it('discards a job on SMTP 5xx and records the reply', async () => {
    const { processor, job, sendMail, statuses, event } = setup('queued');
    sendMail.mockRejectedValue(
      Object.assign(new Error('550 No such user'), {
        responseCode: 550,
        response: '550 No such user',
      }),
    );
    await expect(processor.send(job)).rejects.toThrow('550');
    expect(job.discard).toHaveBeenCalled();
    expect(statuses.finish).toHaveBeenLastCalledWith(
      'a1',
      {
        status: 'failed',
        error: '550 No such user',
        transport_errors: [{ transport: 'outbox', error: '550 No such user' }],
      },
      'failed',
      { event }, // no resting data: a failed job keeps its bodies for a retry from the board
    );
  });

  it('keeps a job queued for a retry on SMTP 4xx', async () => {
    const { processor, job, sendMail, statuses, events, event } = setup('queued');
    sendMail.mockRejectedValue(
      Object.assign(new Error('451 later'), { responseCode: 451, response: '451 later' }),
    );
    await expect(processor.send(job)).rejects.toThrow('451');
    expect(job.discard).not.toHaveBeenCalled();
    expect(statuses.update).toHaveBeenLastCalledWith(
      'a1',
      {
        status: 'queued',
        error: '451 later',
        transport_errors: [{ transport: 'outbox', error: '451 later' }],
      },
      event,
    );
    // One delay event per attempt: the attempt number tells them apart.
    expect(events.build).toHaveBeenCalledWith(
      data,
      'email.delivery_delayed',
      { status: 'queued', attempts: 1, error: '451 later' },
      1,
    );
  });

  it('sends nothing when every recipient is suppressed, and ends the email suppressed', async () => {
    const { processor, job, sendMail, statuses, events, order } = setup('queued', undefined, [
      'ann@example.com',
    ]);
    await expect(processor.send(job)).resolves.toMatchObject({ skipped: 'suppressed' });
    expect(sendMail).not.toHaveBeenCalled();
    expect(order).toEqual(['status sending', 'status suppressed, body dropped']);
    expect(statuses.finish).toHaveBeenLastCalledWith(
      'a1',
      { status: 'suppressed', suppressed: ['ann@example.com'] },
      'suppressed',
      expect.objectContaining({ event: { id: 'evt' } }),
    );
    expect(events.build).toHaveBeenCalledWith(data, 'email.suppressed', {
      status: 'suppressed',
      attempts: 1,
    });
  });

  it('puts the recipients of a failed send that nodemailer reports refused on the list', async () => {
    const { processor, job, sendMail, suppressions } = setup('queued');
    const refusal = { recipient: 'ann@example.com', response: '550 5.1.1 No such user' };
    sendMail.mockRejectedValue(
      Object.assign(new Error('all recipients were rejected'), {
        responseCode: 550,
        response: '550 5.1.1 No such user',
        rejectedErrors: [refusal],
      }),
    );
    await expect(processor.send(job)).rejects.toThrow('550 5.1.1');
    expect(suppressions.recordRefusals).toHaveBeenCalledWith(data, [refusal]);
  });
});
