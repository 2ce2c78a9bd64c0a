import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsTemplateContext } from './field.validators';

export class RenderTemplateDto {
  /** Values for the template, as in POST /send-email/. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsTemplateContext()
  context?: Record<string, unknown>;
}
