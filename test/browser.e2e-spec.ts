import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Page, chromium } from 'playwright-core';
import { APP_KEY, textMail } from './support/fixtures';
import { InProcessService, useStack } from './support/service';
import { SmtpSink, smtpError } from './support/smtp-sink';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', 'artifacts');
const BOARD = { username: 'admin', password: 'board-password-0123' };

/** The pages people look at, in a real headless Chromium (Debian's; playwright never downloads one). */
describe('pages in a browser', () => {
  let browser: Browser;
  // Declared before the stack's, so the browser goes before the app it is connected to.
  afterAll(async () => {
    await browser?.close();
  });
  beforeAll(() => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`,
      );
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  const stack = useStack(() => ({
    API_KEYS: `app:${APP_KEY}`,
    BOARD_USER: BOARD.username,
    BOARD_PASSWORD: BOARD.password,
  }));
  let smtp: SmtpSink;
  let t: InProcessService;
  let base: string;
  let refuse = false;

  beforeAll(async () => {
    ({ service: t, smtp } = stack);
    smtp.onRcpt = () => (refuse ? smtpError(550, '550 5.7.1 Refused by policy') : undefined);
    base = t.url;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  async function send(subject: string): Promise<string> {
    const { body } = await t.http
      .post('/send-email/')
      .set('X-API-Key', APP_KEY)
      .send(textMail(subject))
      .expect(202);
    return (body as { id: string }).id;
  }

  async function open(path: string, context?: BrowserContext): Promise<Page> {
    const page = await (context ?? browser).newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}${path}`);
    return page;
  }

  it('shows the info page with all its sections', async () => {
    await t.finished(await send('Before the page'));
    // Tall enough to hold the whole page: headless Chromium paints no iframe outside the viewport.
    const page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
    await page.goto(`${base}/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('mail-relay');
    for (const heading of ['Queue now', 'Last hour', 'This service', 'Send one', 'Templates']) {
      expect(await page.getByRole('heading', { name: heading }).isVisible()).toBe(true);
    }
    expect(await page.locator('[data-field="redis"]').textContent()).toBe('Redis up');
    expect(await page.locator('.chart svg rect.sent').count()).toBe(60);
    expect(await page.getByRole('link', { name: 'API docs' }).getAttribute('href')).toBe('/docs');
    expect(await page.getByRole('link', { name: 'Queues' }).getAttribute('href')).toBe('/queues');
    expect(await page.locator('[data-field="origin"]').textContent()).toBe(base);
    await page
      .frameLocator('article[data-template="verify-email"] iframe')
      .getByText('Confirm your email address')
      .first()
      .waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'info-page.png'), fullPage: true });
    await page.close();
  });

  it('shows both built-in templates rendered in the gallery', async () => {
    const page = await open('/');
    await expect(page.locator('article.template').count()).resolves.toBe(2);
    const verify = page.frameLocator('article[data-template="verify-email"] iframe');
    await verify.getByText('Confirm your email address').first().waitFor();
    const reset = page.frameLocator('article[data-template="reset-password"] iframe');
    await reset.getByText('Reset your password').first().waitFor();
    expect(
      await reset.getByRole('link', { name: 'Choose a new password' }).getAttribute('href'),
    ).toBe('https://acme.example/reset?token=8b1e77');
    await page.close();
  });

  it('updates the counts without a reload after a mail is sent', async () => {
    const page = await open('/');
    const sent = page.locator('[data-field="totals.sent"]');
    const before = Number(await sent.textContent());
    await t.finished(await send('While watching'));
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-field="totals.sent"]')?.textContent) > n,
      before,
      { timeout: 15_000 },
    );
    expect(Number(await sent.textContent())).toBe(before + 1);
    await page.close();
  });

  it('renders Swagger UI at /docs listing /send-email/', async () => {
    const page = await open('/docs');
    await page.locator('.opblock-summary-path', { hasText: '/send-email' }).first().waitFor();
    expect(await page.locator('.opblock-summary-path').allTextContents()).toEqual(
      expect.arrayContaining(['/send-email', '/send-email/batch', '/templates']),
    );
    await page.screenshot({ path: join(ARTIFACTS, 'docs.png') });
    await page.close();
  });

  it('forgets the API key typed into Swagger UI: nothing in browser storage', async () => {
    const page = await open('/docs');
    await page.locator('button.authorize').first().click();
    await page.locator('.modal-ux input[type="text"]').first().fill(APP_KEY);
    await page.locator('.modal-ux button.authorize').first().click();
    await page.locator('.modal-ux button.btn-done').first().click();
    const stored = await page.evaluate(() =>
      JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }),
    );
    expect(stored).not.toContain(APP_KEY);
    await page.close();
  });

  it('asks for credentials at /queues', async () => {
    const page = await browser.newPage();
    const challenge = page.waitForResponse((response) => response.url().endsWith('/queues'));
    // Headless Chromium has nobody to type into its login prompt, so the navigation fails.
    await expect(page.goto(`${base}/queues`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
    const response = await challenge;
    expect(response.status()).toBe(401);
    expect(response.headers()['www-authenticate']).toMatch(/^Basic realm="Bull Board"/);
    await page.close();
  });

  it('shows the email queue to the admin, and retries a failed job with a click', async () => {
    refuse = true;
    const id = await send('Retry me');
    await expect(t.finished(id)).rejects.toThrow(/550/);
    refuse = false;
    const context = await browser.newContext({
      httpCredentials: BOARD,
      viewport: { width: 1280, height: 900 },
    });
    const overview = await open('/queues', context);
    await overview.getByText('email', { exact: true }).first().waitFor();
    await overview.screenshot({ path: join(ARTIFACTS, 'queues.png') });
    const failed = await open('/queues/queue/email?status=failed', context);
    await failed.getByText('ann@example.com · Retry me').first().waitFor();
    await failed.screenshot({ path: join(ARTIFACTS, 'queues-failed.png') });
    const arrived = smtp.waitFor(smtp.mails.length + 1, 15_000);
    await failed.getByRole('button', { name: 'Retry all' }).click();
    await failed.getByRole('button', { name: 'Confirm' }).click();
    const [mail] = (await arrived).slice(-1);
    expect(mail.parsed.subject).toBe('Retry me');
    expect(mail.parsed.messageId).toBe(`<${id}@shop.example>`);
    await context.close();
  });
});
