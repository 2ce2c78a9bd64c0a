import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, ValidateNested } from 'class-validator';
import { SendEmailDto } from './send-email.dto';

export const MAX_BATCH = 100;

export class SendBatchDto {
  /** 1 to 100 emails, each exactly like a POST /send-email/ body. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH)
  @IsObject({ each: true, message: '$property must hold email objects' })
  @ValidateNested({ each: true })
  @Type(() => SendEmailDto)
  emails!: SendEmailDto[];
}
