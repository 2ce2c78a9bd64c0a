/** Request examples shown in Swagger; the first is the seed's exact request. */
export const SEND_EMAIL_EXAMPLES = {
  seed: {
    summary: 'Text and HTML (the original request shape)',
    value: {
      email_to: 'ann@example.com',
      email_from: 'Shop <no-reply@shop.example>',
      subject: 'Confirm your address',
      message: { text: 'plain body', html: '<p>html body</p>' },
    },
  },
  template: {
    summary: 'A built-in template',
    value: {
      email_to: 'Ann <ann@example.com>',
      email_from: 'Shop <no-reply@shop.example>',
      subject: 'Reset your password',
      template: 'reset-password',
      context: {
        name: 'Ann',
        app_name: 'Shop',
        action_url: 'https://shop.example/reset?t=abc',
        expires_in: '1 hour',
      },
    },
  },
  scheduled: {
    summary: 'Scheduled for later',
    value: {
      email_to: 'ann@example.com',
      email_from: 'Shop <no-reply@shop.example>',
      subject: 'Your trial ends tomorrow',
      message: { text: 'Your trial ends tomorrow.' },
      send_at: '2026-12-01T09:00:00Z',
    },
  },
  everything: {
    summary: 'Every field',
    value: {
      email_to: ['ann@example.com', 'Bob <bob@example.com>'],
      email_from: 'Shop <no-reply@shop.example>',
      subject: 'Your invoice',
      message: { text: 'Invoice attached.', html: '<p>Invoice attached.</p>' },
      cc: ['billing@shop.example'],
      bcc: ['archive@shop.example'],
      reply_to: 'help@shop.example',
      headers: { 'X-Campaign': 'invoices' },
      attachments: [
        { filename: 'invoice.pdf', content: 'JVBERi0xLjQK', content_type: 'application/pdf' },
      ],
      tags: ['invoice'],
      metadata: { user_id: '42' },
    },
  },
};

export const BATCH_EXAMPLE = {
  emails: [
    SEND_EMAIL_EXAMPLES.seed.value,
    { ...SEND_EMAIL_EXAMPLES.seed.value, email_to: 'bob@example.com' },
  ],
};
