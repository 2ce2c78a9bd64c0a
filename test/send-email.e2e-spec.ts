import { randomBytes } from 'node:crypto';
import { APP_KEY, OTHER_KEY, textMail } from './support/fixtures';
import { useStack } from './support/service';

describe('POST /send-email/ → Bull → SMTP', () => {
  const stack = useStack(() => ({
    API_KEYS: `app:${APP_KEY},other:${OTHER_KEY}`,
    WORKER_CONCURRENCY: '1',
  }));

  /** Posts a request that must be accepted, waits for its job, returns the mail that arrived. */
  async function deliver(body: object, key = APP_KEY) {
    const response = await stack.service.http
      .post('/send-email/')
      .set('X-API-Key', key)
      .send(body)
      .expect(202);
    expect(response.body).toEqual({ result: 'queued', id: expect.any(String) });
    await stack.service.finished(response.body.id);
    const [mail] = stack.smtp.bySubject((body as { subject: string }).subject);
    expect(mail).toBeDefined();
    return { id: response.body.id as string, mail };
  }

  it("accepts the seed's exact request and delivers it", async () => {
    const { mail } = await deliver({
      email_to: 'ann@example.com',
      email_from: 'Shop <no-reply@shop.example>',
      subject: 'Seed request',
      message: { text: 'plain body', html: '<p>html body</p>' },
    });
    expect(mail.to).toEqual(['ann@example.com']);
    expect(mail.from).toBe('no-reply@shop.example');
    expect(mail.parsed.from?.value).toEqual([{ name: 'Shop', address: 'no-reply@shop.example' }]);
    expect(mail.parsed.text?.trim()).toBe('plain body');
    expect(mail.parsed.html).toContain('<p>html body</p>');
  });

  it('sends a text-only mail with no HTML part', async () => {
    const { mail } = await deliver({
      email_to: 'ann@example.com',
      email_from: 'no-reply@shop.example',
      subject: 'Text only',
      message: { text: 'just text' },
    });
    expect(mail.parsed.text?.trim()).toBe('just text');
    expect(mail.parsed.html).toBe(false);
  });

  it('generates the text part from HTML when only HTML is given', async () => {
    const { mail } = await deliver({
      email_to: 'ann@example.com',
      email_from: 'no-reply@shop.example',
      subject: 'HTML only',
      message: {
        html: '<h1>Welcome</h1><p>Hello <b>Ann</b>, <a href="https://shop.example/x">open</a></p>',
      },
    });
    expect(mail.parsed.html).toContain('<b>Ann</b>');
    expect(mail.parsed.text).toContain('WELCOME');
    expect(mail.parsed.text).toContain('Hello Ann');
    expect(mail.parsed.text).toContain('https://shop.example/x');
  });

  it('keeps unicode in subject, names and bodies', async () => {
    const { mail } = await deliver({
      email_to: 'Zoë Ünal <zoe@example.com>',
      email_from: 'Café Ψ <no-reply@shop.example>',
      subject: 'Grüße aus Köln ✓ 你好',
      message: { text: 'Ça va? 😀 Привет', html: '<p>Ça va? 😀 Привет</p>' },
    });
    expect(mail.parsed.subject).toBe('Grüße aus Köln ✓ 你好');
    expect(mail.parsed.to).toMatchObject({
      value: [{ name: 'Zoë Ünal', address: 'zoe@example.com' }],
    });
    expect(mail.parsed.from?.value[0].name).toBe('Café Ψ');
    expect(mail.parsed.text?.trim()).toBe('Ça va? 😀 Привет');
    expect(mail.parsed.html).toContain('Ça va? 😀 Привет');
  });

  it('sends to arrays, cc and bcc, with bcc only in the envelope', async () => {
    const { mail } = await deliver({
      email_to: ['ann@example.com', 'Bob <bob@example.com>'],
      cc: ['carol@example.com'],
      bcc: ['secret@example.com'],
      reply_to: 'help@shop.example',
      headers: { 'X-Campaign': 'signup' },
      email_from: 'no-reply@shop.example',
      subject: 'Many recipients',
      message: { text: 'hi all' },
    });
    expect(mail.to.sort()).toEqual([
      'ann@example.com',
      'bob@example.com',
      'carol@example.com',
      'secret@example.com',
    ]);
    expect(mail.raw.toString()).not.toMatch(/secret@example\.com/);
    expect(mail.parsed.cc).toMatchObject({ value: [{ address: 'carol@example.com' }] });
    expect(mail.parsed.replyTo).toMatchObject({ value: [{ address: 'help@shop.example' }] });
    expect(mail.parsed.headers.get('x-campaign')).toBe('signup');
  });

  it('delivers base64 attachments byte for byte', async () => {
    const pdf = Buffer.from('%PDF-1.4 fake pdf \x00\x01\x02 bytes');
    const { mail } = await deliver({
      email_to: 'ann@example.com',
      email_from: 'no-reply@shop.example',
      subject: 'With attachment',
      message: { text: 'see attached' },
      attachments: [
        {
          filename: 'invoice 42.pdf',
          content: pdf.toString('base64'),
          content_type: 'application/pdf',
        },
      ],
    });
    expect(mail.parsed.attachments).toHaveLength(1);
    const [attachment] = mail.parsed.attachments;
    expect(attachment.filename).toBe('invoice 42.pdf');
    expect(attachment.contentType).toBe('application/pdf');
    expect(attachment.content.equals(pdf)).toBe(true);
  });

  it('delivers a message larger than one socket write byte for byte', async () => {
    // Far past one 64 KiB socket write, so the message leaves in several writes.
    const blob = randomBytes(200 * 1024);
    const { mail } = await deliver({
      email_to: 'ann@example.com',
      email_from: 'no-reply@shop.example',
      subject: 'Large attachment',
      message: { text: '.a line that starts with a dot\n..and two' },
      attachments: [{ filename: 'blob.bin', content: blob.toString('base64') }],
    });
    expect(mail.parsed.text).toContain('.a line that starts with a dot\n..and two');
    expect(mail.parsed.attachments[0].content.equals(blob)).toBe(true);
  });

  it.each(['verify-email', 'reset-password'])(
    'renders the built-in %s template, escaping the context',
    async (template) => {
      const actionUrl = `https://shop.example/${template}?token=abc123`;
      const { mail } = await deliver({
        email_to: 'ann@example.com',
        email_from: 'no-reply@shop.example',
        subject: `Template ${template}`,
        template,
        context: {
          name: 'Ann <script>alert(1)</script>',
          action_url: actionUrl,
          app_name: 'Shop',
          expires_in: '24 hours',
        },
      });
      const html = mail.parsed.html as string;
      expect(html).toContain(`href="${actionUrl}"`);
      expect(html).toContain('Ann &lt;script&gt;');
      expect(html).not.toContain('<script>');
      expect(html).toMatch(/<a class="button"[^>]*style="[^"]*background-color/); // CSS inlined
      expect(mail.parsed.text).toContain(actionUrl);
      expect(mail.parsed.text).toContain('Hi Ann <script>alert(1)</script>,'); // text is not HTML
      expect(mail.parsed.text).toContain('24 hours');
    },
  );

  it('moves the status record from queued to sent, with a stable Message-ID', async () => {
    const body = {
      email_to: 'ann@example.com',
      email_from: 'no-reply@shop.example',
      subject: 'Status',
      message: { text: 'x' },
      tags: ['signup'],
      metadata: { user_id: '42' },
    };
    const accepted = await stack.service.http
      .post('/send-email')
      .set('Authorization', `Bearer ${APP_KEY}`)
      .send(body)
      .expect(202);
    const id = accepted.body.id;
    const early = await stack.service.http
      .get(`/send-email/${id}`)
      .set('X-API-Key', APP_KEY)
      .expect(200);
    expect(['queued', 'sending', 'sent']).toContain(early.body.status);
    await stack.service.finished(id);
    const { body: status } = await stack.service.http
      .get(`/send-email/${id}`)
      .set('X-API-Key', APP_KEY)
      .expect(200);
    expect(status).toMatchObject({
      id,
      status: 'sent',
      attempts: 1,
      tags: ['signup'],
      metadata: { user_id: '42' },
    });
    expect(Date.parse(status.sent_at)).toBeGreaterThanOrEqual(Date.parse(status.created_at));
    const [mail] = stack.smtp.bySubject('Status');
    expect(mail.parsed.messageId).toBe(status.message_id);
  });

  it("answers 404 for another key's email and for unknown ids", async () => {
    const { id } = await deliver({
      email_to: 'ann@example.com',
      email_from: 'no-reply@shop.example',
      subject: 'Private',
      message: { text: 'x' },
    });
    const other = await stack.service.http
      .get(`/send-email/${id}`)
      .set('X-API-Key', OTHER_KEY)
      .expect(404);
    expect(other.body).toMatchObject({ statusCode: 404, code: 'not_found' });
    await stack.service.http
      .get('/send-email/00000000-0000-4000-8000-000000000000')
      .set('X-API-Key', APP_KEY)
      .expect(404);
    await stack.service.http.get('/send-email/not-an-id').set('X-API-Key', APP_KEY).expect(404);
  });

  it('sends 20 mails in acceptance order at concurrency 1', async () => {
    const subjects = Array.from({ length: 20 }, (_, i) => `FIFO ${String(i).padStart(2, '0')}`);
    const before = stack.smtp.mails.length;
    for (const subject of subjects) {
      await stack.service.http
        .post('/send-email/')
        .set('X-API-Key', APP_KEY)
        .send(textMail(subject))
        .expect(202);
    }
    const mails = await stack.smtp.waitFor(before + 20);
    expect(mails.slice(before).map((mail) => mail.parsed.subject)).toEqual(subjects);
  });
});
