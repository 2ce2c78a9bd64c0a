import { MailerModule } from '@nestjs-modules/mailer';
import { BullModule } from '@nestjs/bull';
import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { EmailModule } from './email/email.module';
import { mailerOptions } from './email/mail-transport';
import { EnvironmentVariables, validateOrExit } from './env.validation';
import { HttpErrorFilter } from './http-error.filter';
import { JsonBodyMiddleware } from './json-body.middleware';
import { loggerOptions } from './logger.options';
import { redisClientFactory } from './redis.client';
import { createValidationPipe } from './validation.errors';

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
    EmailModule,
  ],
  providers: [
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: HttpErrorFilter },
  ],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(JsonBodyMiddleware).forRoutes('*');
  }
}
