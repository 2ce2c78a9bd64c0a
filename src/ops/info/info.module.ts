import { Module } from '@nestjs/common';
import { EmailModule } from '../../email/email.module';
import { InfoController } from './info.controller';
import { InfoService } from './info.service';

/** The page for people at `/` and its /info.json (processes that serve the API). */
@Module({
  imports: [EmailModule],
  controllers: [InfoController],
  providers: [InfoService],
})
export class InfoModule {}
