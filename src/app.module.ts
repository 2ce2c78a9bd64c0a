import { BullModule } from '@nestjs/bull';
import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { HttpErrorFilter } from './common/http-error.filter';
import { loggerOptions } from './common/logger.options';
import { createValidationPipe } from './common/validation.errors';
import { EnvironmentVariables } from './config/env.validation';
import { loadEnvironment } from './config/environment';
import { EmailApiModule } from './email/http/email-api.module';
import { BounceIntakeModule } from './email/intake/bounce-intake.module';
import { SuppressionsApiModule } from './email/suppressions/suppressions.module';
import { DkimApiModule } from './email/dkim/dkim.module';
import { EmailWorkerModule } from './email/worker/email-worker.module';
import { BoardModule } from './ops/board/board.module';
import { InfoModule } from './ops/info/info.module';
import { OpsModule } from './ops/ops.module';
import { redisClientFactory } from './redis/redis.client';

type Config = ConfigService<EnvironmentVariables, true>;

/** The infrastructure every process shares, and the parts its ROLE asks for. */
@Module({})
export class AppModule {
  /** `env`: the environment main.ts validated already (read here when not given, as in tests). */
  static async forRoot(env = loadEnvironment()): Promise<DynamicModule> {
    // The variables were read and validated once; ConfigModule only serves them.
    const config = await ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      ignoreEnvFile: true,
      validate: () => env,
    });
    const { api, worker } = env.plan;
    return {
      module: AppModule,
      imports: [
        config,
        LoggerModule.forRootAsync({
          inject: [ConfigService],
          // A supervised process writes stdout only: the supervisor relays its lines to
          // stdout and LOG_FILE, so the lines of all processes make one stream.
          useFactory: (config: Config) =>
            loggerOptions(
              config.get('LOG_LEVEL'),
              env.plan.label,
              env.plan.supervised ? undefined : config.get('LOG_FILE'),
            ),
        }),
        BullModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: Config) => ({
            prefix: config.get('QUEUE_PREFIX'),
            createClient: redisClientFactory(config.get('REDIS_URL')),
          }),
        }),
        OpsModule,
        ...(api
          ? [
              EmailApiModule,
              SuppressionsApiModule,
              BounceIntakeModule,
              DkimApiModule,
              InfoModule,
              BoardModule,
            ]
          : []),
        ...(worker ? [EmailWorkerModule] : []),
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    };
  }
}
