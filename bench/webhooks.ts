/**
 * The webhook scenario, service only: the end-to-end scenario (default start, warm-up burst,
 * E2E_RUNS bursts of E2E_MAILS, the same body) twice per round, without and with WEBHOOK_URL
 * set to the counting receiver (bench/webhook-receiver.ts), who goes first alternating from
 * round to round. With the webhook, every burst (the warm-up's too) is followed by a drain:
 * the bench waits until the receiver has one event per mail of the burst, and fails if any is
 * missing WEBHOOK_DRAIN_SECONDS after the last mail.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { E2E_MAILS, E2E_RUNS, E2E_WARMUP_MAILS, burst } from './load';
import { Running } from './launch';
import { Rig, withTarget } from './rig';
import { costPer, read, settle } from './scenarios';
import { SERVICE, Target } from './targets';
import { WebhookReceiver } from './webhook-receiver';

export const WEBHOOK_DRAIN_SECONDS = 30;

/** One variant in one round: one figure per burst. */
export interface WebhookVariant {
  mailsPerSecond: number[];
  /** Per mail over the service's process tree, from before the burst to after its drain. */
  cpuUs: number[];
  allocKb: number[];
  /** Events the receiver had got when the burst's last mail reached the sink. */
  eventsAtLastMail: number[];
  /** Events it had got after the drain (with) or the settle (without). */
  events: number[];
  /** From the last mail until the receiver had one event per mail (with only). */
  drainSeconds: number[];
}

export interface WebhookRound {
  without: WebhookVariant;
  webhook: WebhookVariant;
  first: 'without' | 'webhook';
}

/** The service with every key's events POSTed to `url`, WEBHOOK_CONCURRENCY at its default. */
const withWebhook = (url: string): Target => ({
  ...SERVICE,
  env: {
    ...SERVICE.env,
    WEBHOOK_URL: url,
    WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
  },
});

/** Seconds from `since` until the receiver has counted `goal`; throws at the deadline. */
export async function drained(
  receiver: WebhookReceiver,
  goal: number,
  since: number,
): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    const late = (): void =>
      void receiver.count().then((count) => {
        const missing = `${goal - count} events missing`;
        reject(new Error(`webhooks: ${missing} ${WEBHOOK_DRAIN_SECONDS} s after the last mail`));
      }, reject);
    timer = setTimeout(late, since + WEBHOOK_DRAIN_SECONDS * 1000 - performance.now());
  });
  try {
    await Promise.race([receiver.reached(goal), deadline]);
  } finally {
    clearTimeout(timer);
  }
  return (performance.now() - since) / 1000;
}

interface Burst {
  seconds: number;
  eventsAtLastMail: number;
  events: number;
  drainSeconds: number;
}

/** One burst of `mails`, timed as end to end times it, then the drain (with) and the settle. */
async function burstWithEvents(
  rig: Rig,
  receiver: WebhookReceiver,
  running: Running,
  webhook: boolean,
  mails: number,
): Promise<Burst> {
  const [sent, received] = await Promise.all([rig.sink.count(), receiver.count()]);
  const lastMail = rig.sink
    .reached(sent + mails)
    .then(() => performance.now())
    .then(async (at) => ({ at, events: (await receiver.count()) - received }));
  const { seconds } = await burst(running.url, rig.sink, mails);
  const { at, events: eventsAtLastMail } = await lastMail;
  const drainSeconds = webhook ? await drained(receiver, received + mails, at) : NaN;
  await settle();
  return { seconds, eventsAtLastMail, events: (await receiver.count()) - received, drainSeconds };
}

const variant = (rig: Rig, receiver: WebhookReceiver, webhook: boolean): Promise<WebhookVariant> =>
  withTarget(
    rig,
    webhook ? withWebhook(receiver.url) : SERVICE,
    { alloc: true },
    async (running) => {
      await burstWithEvents(rig, receiver, running, webhook, E2E_WARMUP_MAILS);
      const figures: WebhookVariant = {
        mailsPerSecond: [],
        cpuUs: [],
        allocKb: [],
        eventsAtLastMail: [],
        events: [],
        drainSeconds: [],
      };
      for (let run = 0; run < E2E_RUNS; run++) {
        const before = await read(running);
        const measured = await burstWithEvents(rig, receiver, running, webhook, E2E_MAILS);
        const { cpuUs, allocKb } = costPer(before, await read(running), E2E_MAILS);
        figures.mailsPerSecond.push(E2E_MAILS / measured.seconds);
        figures.cpuUs.push(cpuUs);
        figures.allocKb.push(allocKb);
        figures.eventsAtLastMail.push(measured.eventsAtLastMail);
        figures.events.push(measured.events);
        if (webhook) figures.drainSeconds.push(measured.drainSeconds);
      }
      return figures;
    },
  );

/** Round `round` of the scenario: odd rounds without first, even rounds with. */
export async function webhookRound(
  rig: Rig,
  receiver: WebhookReceiver,
  round: number,
  progress: (variant: string) => void,
): Promise<WebhookRound> {
  const first = round % 2 ? 'without' : 'webhook';
  const results: Partial<Record<WebhookRound['first'], WebhookVariant>> = {};
  for (const which of first === 'without' ? [false, true] : [true, false]) {
    progress(which ? 'with a webhook' : 'without');
    results[which ? 'webhook' : 'without'] = await variant(rig, receiver, which);
  }
  return { without: results.without!, webhook: results.webhook!, first };
}
