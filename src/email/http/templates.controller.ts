import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { validationFailed } from '../../common/validation.errors';
import { ApiErrors, ApiKeyAuth } from '../dto/api-docs.decorators';
import { RenderTemplateDto, RenderTemplateParams } from '../dto/render-template.dto';
import { RenderedBodyDto, TemplateInfoDto } from '../dto/responses.dto';
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
  render(
    @Param() { template }: RenderTemplateParams,
    @Body() dto: RenderTemplateDto,
  ): RenderedBodyDto {
    const errors = this.templates.check(template, dto.context);
    if (errors.length > 0) throw validationFailed(errors);
    return this.templates.render(template, dto.context);
  }
}
