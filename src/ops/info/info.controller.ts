import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Public } from '../../email/http/request.decorators';
import { TemplateInfo, TemplateService } from '../../email/template.service';
import { VIEWS_DIR } from '../../common/paths';
import { InfoService, InfoSnapshot } from './info.service';
import { chartSvg, formatUptime } from './info.view';

const page = Handlebars.create().compile(
  readFileSync(join(VIEWS_DIR, 'pages', 'info.hbs'), 'utf8'),
);
const script = readFileSync(join(VIEWS_DIR, 'pages', 'info.js'), 'utf8');

/** The page for people at `/`: server-rendered, refreshed by a small script when JS is on. */
@ApiTags('operations')
@Public()
@Controller()
export class InfoController {
  /** Templates are fixed at start, so their previews are rendered once, on the first view. */
  private gallery?: (TemplateInfo & { preview: string })[];

  constructor(
    private readonly info: InfoService,
    private readonly templates: TemplateService,
  ) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @ApiExcludeEndpoint()
  async page(): Promise<string> {
    const snapshot = await this.info.snapshot();
    this.gallery ??= this.templates.list().map((template) => ({
      ...template,
      preview: this.templates.render(template.name, this.templates.sample(template.name)).html,
    }));
    return page({
      ...snapshot,
      uptime: formatUptime(snapshot.uptime_seconds),
      chart: chartSvg(snapshot.minutes),
      gallery: this.gallery,
    });
  }

  @Get('info.json')
  @ApiOperation({
    summary: 'What the info page shows: version, uptime, Redis, queue counts, totals',
  })
  snapshot(): Promise<InfoSnapshot> {
    return this.info.snapshot();
  }

  @Get('info.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @ApiExcludeEndpoint()
  script(): string {
    return script;
  }
}
