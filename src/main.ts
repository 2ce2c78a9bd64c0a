import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigService } from '@nestjs/config';
import { AppModule } from './app.module';
import { APP_OPTIONS, setupApp } from './app.setup';
import { EnvironmentVariables } from './config/env.validation';
import { exitGracefullyOn } from './shutdown';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), APP_OPTIONS);
  setupApp(app);
  exitGracefullyOn(app);
  const config = app.get<ConfigService<EnvironmentVariables, true>>(ConfigService);
  const { port } = config.get('plan', { infer: true });
  // A worker without HEALTH_PORT opens no port at all.
  if (port === undefined) return void (await app.init());
  await app.listen(port, config.get('HOST', { infer: true }));
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `Start-up failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
