import { IsOptional } from 'class-validator';
import { IsTemplateContext } from './field.validators';

export class RenderTemplateDto {
  /** Values for the template, as in POST /send-email/. */
  @IsOptional() @IsTemplateContext() context?: Record<string, unknown>;
}
