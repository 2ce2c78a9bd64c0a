import { simpleParser } from 'mailparser';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_KEY } from './support/fixtures';
import { useStack } from './support/service';

describe('outbox transport (no SMTP_URL)', () => {
  const outbox = join(mkdtempSync(join(tmpdir(), 'mail-outbox-')), 'outbox');

  const stack = useStack(
    () => ({
      OUTBOX_DIR: outbox,
      MAIL_FROM: 'Shop <no-reply@shop.example>',
      API_KEYS: `app:${APP_KEY}`,
    }),
    { smtp: false },
  );

  it('writes each mail as a parseable .eml file, using MAIL_FROM when email_from is absent', async () => {
    const { body } = await stack.service.http
      .post('/send-email/')
      .set('X-API-Key', APP_KEY)
      .send({
        email_to: 'Ann <ann@example.com>',
        subject: 'Into the outbox',
        template: 'reset-password',
        context: { action_url: 'https://shop.example/reset?t=1' },
      })
      .expect(202);
    await stack.service.finished(body.id);
    const files = readdirSync(outbox);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d+-[0-9a-f-]{36}@shop\.example\.eml$/);
    const mail = await simpleParser(readFileSync(join(outbox, files[0])));
    expect(mail.subject).toBe('Into the outbox');
    expect(mail.from?.value).toEqual([{ name: 'Shop', address: 'no-reply@shop.example' }]);
    expect(mail.to).toMatchObject({ value: [{ name: 'Ann', address: 'ann@example.com' }] });
    expect(mail.html).toContain('https://shop.example/reset?t=1');
    expect(mail.text).toContain('Reset your password');
    const { body: status } = await stack.service.http
      .get(`/send-email/${body.id}`)
      .set('X-API-Key', APP_KEY)
      .expect(200);
    expect(status).toMatchObject({ status: 'sent', message_id: mail.messageId });
  });
});
