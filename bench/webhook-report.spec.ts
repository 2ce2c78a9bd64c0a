import { webhookRatio, webhookTable } from './webhook-report';
import { WebhookRound } from './webhooks';

const round = (without: number, webhook: number): WebhookRound => ({
  without: {
    mailsPerSecond: [without],
    cpuUs: [2000],
    allocKb: [400],
    eventsAtLastMail: [0],
    events: [0],
    drainSeconds: [],
  },
  webhook: {
    mailsPerSecond: [webhook],
    cpuUs: [2200],
    allocKb: [500],
    eventsAtLastMail: [1990],
    events: [2000],
    drainSeconds: [0.05],
  },
  first: 'webhook',
});

it('gives with/without as the median of the rounds’ ratios, with their range', () => {
  const rounds = [round(1000, 950), round(800, 640), round(1000, 1000)];
  expect(webhookRatio(rounds)).toBeCloseTo(0.95);
  const [, , mails, cpu, , atLastMail, , drain] = webhookTable(rounds).split('\n');
  expect(mails).toContain('| 0.95× (0.80–1.00×) |');
  expect(cpu).toContain('| 2,000 | 2,200 | 1.10× (1.10–1.10×) |');
  expect(atLastMail).toContain('| 0 | 1,990 |  |');
  expect(drain).toContain('| – | 0.05 |  |');
});
