import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min, ValidateBy } from 'class-validator';
import {
  SUPPRESSION_REASONS,
  Suppression,
  SuppressionReason,
  suppressionKeyOf,
} from './suppression.store';

export const MAX_PAGE = 1000;

/** One plain address (no display name), as the send API's rules accept it. */
const IsSuppressibleAddress = (): PropertyDecorator =>
  ValidateBy({
    name: 'isSuppressibleAddress',
    validator: {
      validate: (value: unknown): boolean => suppressionKeyOf(value) !== null,
      defaultMessage: (): string => 'address must be one plain email address like ann@example.com',
    },
  });

/** POST /suppressions. */
export class AddSuppressionDto {
  /** Compared case-insensitively: `Ann@Example.COM` and `ann@example.com` are one entry. */
  @ApiProperty({ example: 'ann@example.com' })
  @IsSuppressibleAddress()
  address!: string;

  /** Only `manual` through the API: `bounce` and `complaint` are the service's own findings. */
  @ApiPropertyOptional({ enum: ['manual'], default: 'manual' })
  @IsOptional()
  @IsIn(['manual'], {
    message: 'reason must be manual (bounce and complaint are added by the service)',
  })
  reason?: SuppressionReason;
}

/** GET /suppressions. */
export class ListSuppressionsQuery {
  /** `next` of the previous page. */
  @ApiPropertyOptional({ example: 'YW5uQGV4YW1wbGUuY29t' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,400}$/, { message: 'cursor must be the `next` of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  limit?: number;
}

export class SuppressionDto implements Suppression {
  @ApiProperty({ example: 'ann@example.com' })
  address!: string;
  @ApiProperty({ enum: SUPPRESSION_REASONS, example: 'bounce' })
  reason!: SuppressionReason;
  /** When the address was first suppressed; a re-add keeps it. */
  @ApiProperty({ example: '2026-11-25T09:00:01.204Z' })
  created_at!: string;
  /** The email whose send found the address gone (bounce, complaint). */
  @ApiPropertyOptional({ example: '6f1c2a9e-3b1d-4c55-9a0e-2f9d3c7b8e11' })
  email_id?: string;
  /** The SMTP reply that refused it. */
  @ApiPropertyOptional({ example: '550 5.1.1 No such user' })
  diagnostic?: string;
}

export class SuppressionPageDto {
  @ApiProperty({ type: [SuppressionDto] })
  data!: SuppressionDto[];
  /** Pass as `cursor` for the next page; absent on the last. */
  @ApiPropertyOptional({ example: 'YW5uQGV4YW1wbGUuY29t' })
  next?: string;
}
