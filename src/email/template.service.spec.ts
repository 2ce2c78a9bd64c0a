import { TemplateService } from './template.service';

describe('TemplateService (the built-in views/)', () => {
  const templates = new TemplateService();
  const context = {
    action_url: 'https://shop.example/verify?t=abc&u=1',
    name: 'Ann',
    app_name: 'Shop',
    expires_in: '1 hour',
  };

  it('lists the built-ins with their required and optional context', () => {
    expect(templates.list()).toEqual([
      {
        name: 'reset-password',
        description: expect.any(String),
        required: ['action_url'],
        optional: ['name', 'app_name', 'expires_in'],
      },
      {
        name: 'verify-email',
        description: expect.any(String),
        required: ['action_url'],
        optional: ['name', 'app_name', 'expires_in'],
      },
    ]);
  });

  it('does not take layouts, partials or text bodies for templates', () => {
    const names = templates.list().map((t) => t.name);
    expect(names).not.toContain('main');
    expect(names).not.toContain('button');
    expect(names.some((n) => n.endsWith('.text'))).toBe(false);
  });

  it.each([
    '../package',
    'layouts/main',
    'partials/button',
    'verify-email.text',
    '/etc/passwd',
    'nope',
  ])('reports %j as unknown', (name) => {
    expect(templates.check(name, context)).toEqual([
      { field: 'template', message: expect.stringContaining('does not exist') },
    ]);
  });

  it('reports missing required context keys by name', () => {
    expect(templates.check('verify-email', { name: 'Ann' })).toEqual([
      {
        field: 'context.action_url',
        message: 'context.action_url is required by template verify-email',
      },
    ]);
    expect(templates.check('verify-email', { action_url: '' })).toHaveLength(1);
    expect(templates.check('verify-email', context)).toEqual([]);
  });

  it('renders HTML in the layout with inlined CSS and its own text body', () => {
    const { html, text } = templates.render('verify-email', context);
    expect(html).toContain('<!DOCTYPE html>');
    expect(html).toContain('href="https://shop.example/verify?t=abc&amp;u=1"');
    expect(html).toMatch(/class="button"[^>]*style="[^"]*background-color: ?#2563eb/);
    expect(html).toContain('@media'); // responsive rules are kept in a <style> block
    expect(text).toContain('https://shop.example/verify?t=abc&u=1');
    expect(text).toContain('Hi Ann,');
    expect(text).toContain('1 hour');
  });

  it('escapes context in HTML, leaves it raw in text, and never evaluates it', () => {
    const hostile = {
      action_url: 'https://x.example',
      name: '<img src=x onerror=alert(1)> {{app_name}} {{#each this}}x{{/each}}',
    };
    const { html, text } = templates.render('reset-password', hostile);
    // Escaped by Handlebars; css-inline then re-serialises with only the escapes HTML needs.
    expect(html).toContain(
      'Hi &lt;img src=x onerror=alert(1)&gt; {{app_name}} {{#each this}}x{{/each}},',
    );
    expect(html).not.toContain('<img src=x');
    expect(text).toContain('<img src=x onerror=alert(1)> {{app_name}}');
  });

  it('cannot reach prototypes through the context', () => {
    const { html } = templates.render('verify-email', {
      action_url: 'https://x.example',
      name: { constructor: 'x' },
    });
    expect(html).not.toContain('function Object');
  });
});
