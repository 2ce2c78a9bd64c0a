import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { validationFailed } from '../validation.errors';
import { RenderTemplateDto } from './dto/render-template.dto';
import { TEMPLATE_NAME } from './dto/send-email.dto';
import { RenderedBody, TemplateInfo, TemplateService } from './template.service';

@Controller('templates')
export class TemplatesController {
  constructor(private readonly templates: TemplateService) {}

  /** The templates of views/ with the context keys each needs. */
  @Get()
  list(): TemplateInfo[] {
    return this.templates.list();
  }

  /** Renders a template exactly as the worker would, without sending anything. */
  @Post(':name/render')
  @HttpCode(HttpStatus.OK)
  render(@Param('name') name: string, @Body() dto: RenderTemplateDto): RenderedBody {
    const errors = TEMPLATE_NAME.test(name)
      ? this.templates.check(name, dto.context)
      : [
          {
            field: 'template',
            message: 'template must be a plain template name like verify-email',
          },
        ];
    if (errors.length > 0) throw validationFailed(errors);
    return this.templates.render(name, dto.context);
  }
}
