import { ConfigService } from '@nestjs/config';
import { mkdtempSync, readdirSync } from 'node:fs';
import { createTransport } from 'nodemailer';
import type { Transport } from 'nodemailer';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESERVED_TRANSPORT } from '../../config/transports.config';
import { mailerOptions } from './mail-transport';

describe('mailerOptions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'transport-spec-'));
  const values: Record<string, unknown> = { OUTBOX_DIR: dir, WORKER_CONCURRENCY: 2 };
  const config = { get: (name: string) => values[name] } as unknown as ConfigService;
  const options = mailerOptions(config as never);
  // As @nestjs-modules/mailer builds each named transport: createTransport(transport, defaults).
  const outbox = createTransport(
    options.transports![RESERVED_TRANSPORT] as Transport,
    options.defaults,
  );
  const mail = { from: 'a@shop.example', to: 'b@example.com', subject: 'x', text: 'x' };

  it.each([
    ['an attachment path', { attachments: [{ filename: 'h', path: '/etc/hostname' }] }],
    ['an attachment URL', { attachments: [{ filename: 'h', href: 'http://127.0.0.1:9/' }] }],
    ['an HTML body path', { html: { path: '/etc/hostname' } }],
  ])('the outbox refuses %s and writes nothing', async (_what, extra) => {
    await expect(outbox.sendMail({ ...mail, ...extra })).rejects.toThrow(/access rejected/i);
    expect(readdirSync(dir)).toHaveLength(0);
  });

  it('still writes an ordinary mail', async () => {
    await outbox.sendMail(mail);
    expect(readdirSync(dir)).toHaveLength(1);
  });
});
