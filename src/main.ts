import type { NestExpressApplication } from '@nestjs/platform-express';
import { EnvironmentVariables } from './config/env.validation';
import { loadEnvironment } from './config/environment';

/**
 * Start: the environment decides (config/role.ts). ROLE=all runs the supervisor, which forks
 * the API and worker processes (src/cluster/); each of those, like ROLE=api and ROLE=worker,
 * builds the app for its plan. Each path loads only what it runs: the supervisor no Nest app.
 */
async function bootstrap(): Promise<void> {
  const env = loadEnvironment();
  if (!env.plan.supervise) return serve(env);
  const { Supervisor } = await import('./cluster/supervisor');
  new Supervisor(env).start();
}

async function serve(env: EnvironmentVariables): Promise<void> {
  const { plan, HOST } = env;
  const { NestFactory } = await import('@nestjs/core');
  const { AppModule } = await import('./app.module');
  const { APP_OPTIONS, setupApp } = await import('./app.setup');
  const { exitGracefullyOn } = await import('./shutdown');
  const { tellSupervisorReady } = await import('./cluster/messages');
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(env), APP_OPTIONS);
  setupApp(app);
  exitGracefullyOn(app);
  // A worker without HEALTH_PORT (and every worker process of the supervisor) opens no port.
  if (plan.port === undefined) await app.init();
  else await app.listen(plan.port, HOST);
  if (plan.supervised) tellSupervisorReady();
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `Start-up failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
