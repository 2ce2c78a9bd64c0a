import { Module } from '@nestjs/common';
import { EmailModule } from '../email.module';
import { SuppressionStore } from './suppression.store';
import { SuppressionsController } from './suppressions.controller';

/**
 * The suppression lists' API (ROLE api and all). Beside EmailApiModule rather than in it, as
 * this folder uses http/'s decorators: the guards are global, so these routes have the same
 * key check and rate limit as the others.
 */
@Module({
  imports: [EmailModule],
  controllers: [SuppressionsController],
  providers: [SuppressionStore],
})
export class SuppressionsApiModule {}
