import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Expose } from 'class-transformer';
import { IsOptional } from 'class-validator';
import { IsTemplateContext, IsTemplateName } from './field.validators';

export class RenderTemplateDto {
  /** Values for the template, as in POST /send-email/. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsTemplateContext()
  context?: Record<string, unknown>;
}

export class RenderTemplateParams {
  // The path's :name, called `template` in a 400 as in a POST /send-email/ body.
  @ApiProperty({ name: 'name' })
  @Expose({ name: 'name' })
  @IsTemplateName()
  template!: string;
}
