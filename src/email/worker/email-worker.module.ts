import { MailerModule } from '@nestjs-modules/mailer';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EmailModule } from '../email.module';
import { EmailProcessor } from './email.processor';
import { mailerOptions } from './mail-transport';

/** The sending side (ROLE worker and all): consumes the queue; only it opens SMTP connections. */
@Module({
  imports: [
    EmailModule,
    MailerModule.forRootAsync({ inject: [ConfigService], useFactory: mailerOptions }),
  ],
  providers: [EmailProcessor],
})
export class EmailWorkerModule {}
