import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigService } from '@nestjs/config';
import { AppModule } from './app.module';
import { APP_OPTIONS, setupApp } from './app.setup';
import { EnvironmentVariables } from './env.validation';
import { serveOpsOnly } from './ops/worker-port';
import { exitGracefullyOn } from './shutdown';

async function bootstrap(): Promise<void> {
  const app = setupApp(await NestFactory.create<NestExpressApplication>(AppModule, APP_OPTIONS));
  exitGracefullyOn(app);
  const config = app.get<ConfigService<EnvironmentVariables, true>>(ConfigService);
  if (config.get('ROLE', { infer: true }) === 'worker') {
    // A worker only consumes the queue; at most a health/metrics port is opened.
    const healthPort = config.get('HEALTH_PORT', { infer: true });
    if (!healthPort) return void (await app.init());
    serveOpsOnly(app);
    return void (await app.listen(healthPort, config.get('HOST', { infer: true })));
  }
  await app.listen(config.get('PORT', { infer: true }), config.get('HOST', { infer: true }));
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `Start-up failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
