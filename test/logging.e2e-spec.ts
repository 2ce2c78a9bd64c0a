import { Logger } from '@nestjs/common';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_KEY } from './support/fixtures';
import { InProcessService, useStack } from './support/service';
import { smtpError } from './support/smtp-sink';

interface LogLine {
  level: string;
  msg: string;
  context?: string;
  req?: { id: string };
  job_id?: string;
}

describe('LOG_FILE receives the JSON lines, without secrets', () => {
  const logFile = join(mkdtempSync(join(tmpdir(), 'mail-logs-')), 'nested', 'service.log');
  const secrets = {
    body: 'BODY-SECRET-7f3a',
    html: 'HTML-SECRET-91bc',
    context: 'CONTEXT-SECRET-5d2e',
    attachment: Buffer.from('ATTACHMENT-SECRET-c4d8').toString('base64'),
  };
  const stack = useStack(() => ({
    API_KEYS: `app:${APP_KEY}`,
    LOG_LEVEL: 'trace',
    LOG_FILE: logFile,
  }));
  let t: InProcessService;
  const lines = (): LogLine[] =>
    readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LogLine);

  /**
   * Lines reach the file asynchronously (pino's async destination); no event says a line
   * landed, so this re-reads the file until the lines a test needs are there (at most 5 s).
   */
  async function linesWhen(ready: (all: LogLine[]) => boolean): Promise<LogLine[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const all = existsSync(logFile) ? lines() : [];
      if (ready(all) || Date.now() > deadline) return all;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  beforeAll(async () => {
    t = stack.service;
    stack.smtp.onRcpt = (address) =>
      address.startsWith('bounce@') ? smtpError(550, 'No such user') : undefined;
    const sent = await t.http
      .post('/send-email/')
      .set('Authorization', `Bearer ${APP_KEY}`)
      .set('X-Request-Id', 'req-logging-0001')
      .send({
        email_to: 'ann@example.com',
        email_from: 'no-reply@shop.example',
        subject: 'Logged',
        message: { text: secrets.body, html: `<p>${secrets.html}</p>` },
        attachments: [{ filename: 'a.txt', content: secrets.attachment }],
      })
      .expect(202);
    expect(sent.headers['x-request-id']).toBe('req-logging-0001');
    await t.finished(sent.body.id);
    const templated = await t.http
      .post('/send-email/')
      .set('X-API-Key', APP_KEY)
      .send({
        email_to: 'bounce@example.com',
        email_from: 'no-reply@shop.example',
        subject: 'Bounce',
        template: 'verify-email',
        context: { name: secrets.context, action_url: 'https://x.example' },
      })
      .expect(202);
    await expect(t.finished(templated.body.id)).rejects.toThrow(/550/);
    // The last line of the story above; once it is in the file, so are the earlier ones.
    await linesWhen((all) => all.some((line) => line.job_id && line.msg === 'failed'));
  });

  it('has the start-up lines', () => {
    expect(lines().map((line) => line.msg)).toContain('Nest application successfully started');
  });

  it('warns at start that the test Redis keeps no AOF', () => {
    const warning = lines().find((line) => line.level === 'warn' && /appendonly no/.test(line.msg));
    expect(warning?.msg).toContain('production needs appendonly yes');
  });

  it('has info lines for requests, carrying the request id that was echoed', () => {
    const request = lines().find(
      (line) => line.req?.id === 'req-logging-0001' && line.msg === 'request completed',
    );
    expect(request).toMatchObject({ level: 'info' });
  });

  it('has job lines with the job id, at debug, info and error', () => {
    const jobLines = lines().filter((line) => line.job_id);
    expect(jobLines.map((line) => `${line.level} ${line.msg}`)).toEqual(
      expect.arrayContaining(['debug sending', 'info sent', 'error failed']),
    );
  });

  it('gets every level from any module through Nest’s Logger', async () => {
    const logger = new Logger('AnyModule');
    logger.verbose('level check verbose');
    logger.debug('level check debug');
    logger.log('level check log');
    logger.warn('level check warn');
    logger.error('level check error');
    logger.fatal('level check fatal');
    const fromModule = (all: LogLine[]): LogLine[] =>
      all.filter((line) => line.context === 'AnyModule');
    const levels = fromModule(await linesWhen((all) => fromModule(all).length >= 6)).map(
      (line) => line.level,
    );
    // pino writes a fatal line synchronously, so it may land before lines still in flight.
    expect(levels.sort()).toEqual(['debug', 'error', 'fatal', 'info', 'trace', 'warn']);
  });

  it('never holds the API key, the bodies, the context or attachment content', () => {
    const text = readFileSync(logFile, 'utf8');
    for (const secret of [APP_KEY, ...Object.values(secrets)]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/authorization|x-api-key/i);
  });
});
