/**
 * The baseline: what a competent engineer writes by hand instead of this service, in one
 * file. Express, Bull and a pooled nodemailer transport; an API-key check (X-API-Key or
 * Bearer, SHA-256 digests compared in constant time); minimal validation (required fields,
 * types, a simple address check; 400 JSON); status from Bull's job state; Bull's retries
 * (5 attempts, exponential backoff from 2 s) and the service's retention of finished jobs.
 * ROLE=api serves HTTP only, ROLE=worker only consumes, anything else does both in one
 * process. No request logs, metrics, rate limits or status records of its own.
 * bench/targets.ts compiles it to JavaScript and starts it with plain `node`.
 */
import Bull from 'bull';
import express, { NextFunction, Request, Response } from 'express';
import nodemailer from 'nodemailer';
import { createHash, timingSafeEqual } from 'node:crypto';

interface Mail {
  key: string;
  to: string | string[];
  from: string;
  subject: string;
  text?: string;
  html?: string;
}

const env = process.env;
const role = env.ROLE ?? 'all';
const concurrency = Number(env.WORKER_CONCURRENCY ?? 16);
const DAY = 24 * 3600;
const queue = new Bull<Mail>('mail', env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  defaultJobOptions: {
    attempts: 5,
    backoff: { type: 'exponential', delay: 2000 },
    removeOnComplete: { age: DAY, count: 10_000 },
    removeOnFail: { age: 14 * DAY, count: 1000 },
  },
});

if (role !== 'api') {
  const smtp = new URL(env.SMTP_URL ?? 'smtp://127.0.0.1:25');
  const transport = nodemailer.createTransport({
    host: smtp.hostname,
    port: Number(smtp.port || 25),
    pool: true,
    maxConnections: concurrency,
  });
  void queue.process(concurrency, async ({ data }: Bull.Job<Mail>) => {
    const { to, from, subject, text, html } = data;
    const info = await transport.sendMail({ to, from, subject, text, html });
    return { messageId: info.messageId };
  });
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();
const keys = (env.API_KEYS ?? '').split(',').map((entry) => {
  const at = entry.indexOf(':');
  return { name: entry.slice(0, at), digest: sha256(entry.slice(at + 1)) };
});

function keyOf(req: Request): string | undefined {
  const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
  const given = req.get('x-api-key') ?? bearer;
  if (!given) return undefined;
  const digest = sha256(given);
  return keys.find((key) => timingSafeEqual(key.digest, digest))?.name;
}

const ADDRESS = /^[^\s@<>",]+@[^\s@<>",]+\.[^\s@<>",]+$/;
/** `ann@example.com` or `Ann <ann@example.com>`. */
const isAddress = (value: unknown): boolean =>
  typeof value === 'string' &&
  value.length <= 320 &&
  ADDRESS.test(/<([^<>]*)>$/.exec(value)?.[1] ?? value);
const isText = (value: unknown): value is string | undefined =>
  value === undefined || typeof value === 'string';

function problems(body: Record<string, unknown>): string[] {
  const { email_to: to, email_from: from, subject, message } = body;
  const found: string[] = [];
  const recipients = Array.isArray(to) ? to : [to];
  if (!recipients.length || recipients.length > 50 || !recipients.every(isAddress))
    found.push('email_to must be 1 to 50 addresses');
  if (!isAddress(from)) found.push('email_from must be an address');
  if (typeof subject !== 'string' || !/^[^\r\n]{1,998}$/.test(subject))
    found.push('subject must be 1 to 998 characters on one line');
  const { text, html } = (message ?? {}) as Record<string, unknown>;
  if (typeof message !== 'object' || !isText(text) || !isText(html) || !(text || html))
    found.push('message must have a text or html string');
  return found;
}

const STATUS: Record<string, string> = {
  completed: 'sent',
  failed: 'failed',
  active: 'sending',
  delayed: 'queued',
  waiting: 'queued',
};

const app = express();
app.disable('x-powered-by');
app.use(express.json({ limit: '10mb' }));
app.use((req: Request, res: Response, next: NextFunction) => {
  res.locals.key = keyOf(req);
  if (res.locals.key) return next();
  res.status(401).json({ error: 'unauthorized' });
});

app.post('/send-email', async (req: Request, res: Response) => {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const found = problems(body);
  if (found.length) return void res.status(400).json({ error: 'validation_failed', found });
  const message = body.message as { text?: string; html?: string };
  const job = await queue.add({
    key: res.locals.key as string,
    to: body.email_to as string | string[],
    from: body.email_from as string,
    subject: body.subject as string,
    text: message.text,
    html: message.html,
  });
  res.status(202).json({ result: 'queued', id: String(job.id) });
});

app.get('/send-email/:id', async (req: Request, res: Response) => {
  const job = await queue.getJob(String(req.params.id));
  if (!job || job.data.key !== res.locals.key) return void res.status(404).json({});
  res.json({
    id: String(job.id),
    status: STATUS[await job.getState()] ?? 'queued',
    attempts: job.attemptsMade,
    created_at: new Date(job.timestamp).toISOString(),
    ...(job.failedReason && { error: job.failedReason }),
  });
});

// Express needs all four parameters to tell an error handler; a bad JSON body is a 400.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
app.use((error: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
  res.status(error.status ?? 500).json({ error: error.message });
});

const server =
  role === 'worker' ? undefined : app.listen(Number(env.PORT ?? 3000), env.HOST ?? '0.0.0.0');

process.once('SIGTERM', () => {
  server?.close();
  void queue.close().then(() => process.exit(0));
});
