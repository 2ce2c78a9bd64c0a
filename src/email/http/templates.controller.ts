import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { validationFailed } from '../../common/validation.errors';
import { ApiErrors, ApiKeyAuth } from '../dto/api-docs.decorators';
import { RenderTemplateDto } from '../dto/render-template.dto';
import { RenderedBodyDto, TemplateInfoDto } from '../dto/responses.dto';
import { TEMPLATE_NAME } from '../dto/send-email.dto';
import { TemplateService } from '../template.service';
import { ROUTES } from '../../common/paths';

@ApiTags('templates')
@ApiKeyAuth()
@Controller(ROUTES.templates)
export class TemplatesController {
  constructor(private readonly templates: TemplateService) {}

  @Get()
  @ApiOperation({ summary: 'The templates of views/ with the context keys each needs' })
  @ApiOkResponse({ type: [TemplateInfoDto] })
  list(): TemplateInfoDto[] {
    return this.templates.list();
  }

  @Post(':name/render')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Render a template exactly as the worker would, without sending' })
  @ApiBody({
    type: RenderTemplateDto,
    examples: {
      verify: {
        summary: 'verify-email',
        value: { context: { name: 'Ann', action_url: 'https://shop.example/verify?t=abc' } },
      },
    },
  })
  @ApiOkResponse({ type: RenderedBodyDto })
  @ApiErrors('validation_failed')
  render(@Param('name') name: string, @Body() dto: RenderTemplateDto): RenderedBodyDto {
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
