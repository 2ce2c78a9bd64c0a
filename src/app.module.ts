import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { MailerModule } from '@nestjs-modules/mailer';
import { BullModule } from '@nestjs/bull';
import { Logger, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { EmailModule } from './email/email.module';
import { mailerOptions } from './email/worker/mail-transport';
import { EnvironmentVariables, validateOrExit } from './env.validation';
import { HttpErrorFilter } from './common/http-error.filter';
import { loggerOptions } from './common/logger.options';
import { BOARD_ROUTE, boardAuth } from './ops/board';
import { HttpMetricsMiddleware } from './ops/http-metrics.middleware';
import { OpsModule } from './ops/ops.module';
import { redisClientFactory } from './redis/redis.client';
import { createValidationPipe } from './common/validation.errors';

type Config = ConfigService<EnvironmentVariables, true>;

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, cache: true, validate: validateOrExit }),
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: Config) =>
        loggerOptions(config.get('LOG_LEVEL'), config.get('LOG_FILE')),
    }),
    BullModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: Config) => ({
        prefix: config.get('QUEUE_PREFIX'),
        createClient: redisClientFactory(config.get('REDIS_URL')),
      }),
    }),
    MailerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: Config) => mailerOptions(config),
    }),
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
    EmailModule,
    OpsModule,
  ],
  providers: [
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: HttpErrorFilter },
  ],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }
}
