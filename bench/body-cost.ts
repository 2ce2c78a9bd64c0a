/**
 * What one large HTML body costs the API and the worker, step by step, on the main thread
 * (each step is synchronous: its time is how long it blocks the event loop). Run with
 * `npm run bench:body`; the limits in docs/performance.md ("Large bodies") come from it.
 */
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { createTransport } from 'nodemailer';
import { performance } from 'node:perf_hooks';
import { SendEmailDto } from '../src/email/dto/send-email.dto';
import { htmlToText } from '../src/email/template.service';
import { parseJson } from '../src/common/json-body.guard';

const CASES: [Shape, number][] = [
  ['html', 0.1],
  ['html', 1],
  ['html', 2],
  ['html', 10],
  ['attachment', 1],
  ['attachment', 9.5],
];

/** Realistic markup: paragraphs, links and a table, repeated to the size asked. */
function html(bytes: number): string {
  const unit =
    '<p>Hello <b>Ann</b>, here is <a href="https://shop.example/o/1">your order</a>.</p>' +
    '<table><tr><td>Item</td><td>1</td><td>9.99 €</td></tr></table>\n';
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

function time<T>(step: () => T): [number, T] {
  const started = performance.now();
  const result = step();
  return [performance.now() - started, result];
}

type Shape = 'html' | 'attachment';

/** A request of about `mb` MB: one HTML body, or a short text and one attachment. */
function request(shape: Shape, mb: number): string {
  const bytes = mb * 1024 * 1024;
  const content = Buffer.alloc(Math.floor((bytes * 3) / 4), 7).toString('base64');
  return JSON.stringify({
    email_to: 'ann@example.com',
    email_from: 'no-reply@shop.example',
    subject: 'Big',
    message: shape === 'html' ? { html: html(bytes) } : { text: 'See the attachment.' },
    ...(shape === 'attachment' && { attachments: [{ filename: 'a.bin', content }] }),
  });
}

async function measure(shape: Shape, mb: number): Promise<Record<string, number | string>> {
  const body = request(shape, mb);
  const [parse, parsed] = time(() => parseJson(body));
  const [validate] = time(() => validateSync(plainToInstance(SendEmailDto, parsed)));
  const [stringify] = time(() => JSON.stringify(parsed));
  const dto = parsed as SendEmailDto;
  const [toText, text] = time(() => (dto.message?.html ? htmlToText(dto.message.html) : ''));
  const transport = createTransport({ streamTransport: true, buffer: true });
  const started = performance.now();
  await transport.sendMail({
    from: 'a@shop.example',
    to: 'b@example.com',
    html: dto.message?.html,
    text: text || dto.message?.text,
    attachments: dto.attachments?.map((a) => ({
      filename: a.filename,
      content: Buffer.from(a.content, 'base64'),
    })),
  });
  const build = performance.now() - started;
  return {
    shape,
    mb,
    parse,
    validate,
    stringify,
    api: parse + validate + stringify,
    toText,
    build,
  };
}

async function main(): Promise<void> {
  await measure('html', 1); // warm-up: the first call also pays for compiling the code
  const rows = [];
  for (const [shape, mb] of CASES) rows.push(await measure(shape, mb));
  const ms = (value: number | string): number | string =>
    typeof value === 'number' ? Math.round(value * 10) / 10 : value;
  console.log('ms of main-thread time per step (one run; rerun for the spread)');
  console.table(
    rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, ms(v)]))),
  );
}

void main();
