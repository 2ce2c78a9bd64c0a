import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EnvironmentVariables } from '../../config/env.validation';
import { EmailModule } from '../../email/email.module';
import { EMAIL_QUEUE, WEBHOOK_QUEUE } from '../../email/store/email.constants';
import { BOARD_ROUTE, boardAuth } from './board-auth.middleware';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { EmailBoardAdapter } from './email-board.adapter';

type Config = ConfigService<EnvironmentVariables, true>;

/** Bull Board at /queues, behind its own login (processes that serve the API). */
@Module({
  imports: [
    EmailModule,
    BullBoardModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: Config) => ({
        route: BOARD_ROUTE,
        adapter: ExpressAdapter,
        middleware: boardAuth(
          config.get('BOARD_USER', { infer: true }),
          config.get('BOARD_PASSWORD', { infer: true }),
          (why) =>
            new Logger('BullBoard').warn(`Bull Board at ${BOARD_ROUTE} is off (404): ${why}`),
        ),
      }),
    }),
    BullBoardModule.forFeature({
      name: EMAIL_QUEUE,
      adapter: EmailBoardAdapter,
      options: { allowRetries: true },
    }),
    BullBoardModule.forFeature({
      name: WEBHOOK_QUEUE,
      adapter: BullAdapter,
      options: { allowRetries: true, description: "Delivery events for the API keys' webhooks" },
    }),
  ],
})
export class BoardModule {}
