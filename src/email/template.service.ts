import { inline } from '@css-inline/css-inline';
import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { convert } from 'html-to-text';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { VIEWS_DIR } from '../common/paths';
import { RenderedBodyDto, TemplateInfoDto } from './dto/responses.dto';
import { FieldError } from '../common/validation.errors';

export type TemplateInfo = TemplateInfoDto;
export type RenderedBody = RenderedBodyDto;

interface Template extends TemplateInfo {
  sample: Record<string, unknown>;
  html: Handlebars.TemplateDelegate;
  text?: Handlebars.TemplateDelegate;
}

const HEADER = /^\s*\{\{!--([\s\S]*?)--\}\}/;
const TEXT_SUFFIX = '.text.hbs';

/** Reads `key: a, b` lines from the leading `{{!-- --}}` comment of a template. */
function readHeader(source: string): Record<string, string> {
  const header = HEADER.exec(source)?.[1] ?? '';
  const fields: Record<string, string> = {};
  for (const line of header.split('\n')) {
    const match = /^\s*([a-z_]+):\s*(.*?)\s*$/.exec(line);
    if (match) fields[match[1]] = match[2];
  }
  return fields;
}

const list = (value?: string): string[] => (value ? value.split(/\s*,\s*/).filter(Boolean) : []);

export const htmlToText = (html: string): string =>
  convert(html, { wordwrap: 78, selectors: [{ selector: 'img', format: 'skip' }] });

/**
 * Compiles every template in views/ once at start. Names resolve only against this fixed set,
 * so a request can never make the service read a path of its choosing.
 */
@Injectable()
export class TemplateService {
  private readonly hbs = Handlebars.create();
  private readonly templates = new Map<string, Template>();
  private readonly layout?: Handlebars.TemplateDelegate;

  constructor() {
    for (const file of this.files('partials')) {
      this.hbs.registerPartial(basename(file, '.hbs'), readFileSync(file, 'utf8'));
    }
    const layoutFile = join(VIEWS_DIR, 'layouts', 'main.hbs');
    if (existsSync(layoutFile)) this.layout = this.hbs.compile(readFileSync(layoutFile, 'utf8'));
    for (const file of this.files('.')) {
      if (!file.endsWith(TEXT_SUFFIX)) this.load(file);
    }
  }

  list(): TemplateInfo[] {
    return [...this.templates.values()].map(({ name, description, required, optional }) => ({
      name,
      description,
      required,
      optional,
    }));
  }

  /** The context a template shows itself with in the gallery (its `sample:` header line). */
  sample(name: string): Record<string, unknown> {
    return this.templates.get(name)?.sample ?? {};
  }

  /** The problems that would stop `name` from rendering with `context`, for a 400. */
  check(name: string, context: Record<string, unknown> = {}, field = 'template'): FieldError[] {
    const template = this.templates.get(name);
    if (!template) {
      return [{ field, message: `${field} "${name}" does not exist (see GET /templates)` }];
    }
    return template.required
      .filter((key) => context[key] === undefined || context[key] === null || context[key] === '')
      .map((key) => ({
        field: `context.${key}`,
        message: `context.${key} is required by template ${name}`,
      }));
  }

  render(name: string, context: Record<string, unknown> = {}): RenderedBody {
    const template = this.templates.get(name);
    if (!template) throw new Error(`unknown template ${name}`);
    const body = template.html(context);
    const page = this.layout ? this.layout({ ...context, body }) : body;
    const html = inline(page, { loadRemoteStylesheets: false, keepStyleTags: false });
    return { html, text: template.text ? template.text(context).trim() + '\n' : htmlToText(html) };
  }

  private files(folder: string): string[] {
    const dir = join(VIEWS_DIR, folder);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((file) => file.endsWith('.hbs'))
      .sort()
      .map((file) => join(dir, file));
  }

  private load(file: string): void {
    const source = readFileSync(file, 'utf8');
    const header = readHeader(source);
    const name = basename(file, '.hbs');
    const textFile = file.slice(0, -'.hbs'.length) + TEXT_SUFFIX;
    this.templates.set(name, {
      name,
      description: header.description ?? '',
      required: list(header.required),
      optional: list(header.optional),
      sample: header.sample ? (JSON.parse(header.sample) as Record<string, unknown>) : {},
      html: this.hbs.compile(source, { strict: false }),
      text: existsSync(textFile)
        ? this.hbs.compile(readFileSync(textFile, 'utf8'), { noEscape: true })
        : undefined,
    });
  }
}
