import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { securityHeaders } from './common/security-headers';
import { setupSwagger } from './common/swagger';
import { EnvironmentVariables } from './config/env.validation';
import { WEBHOOK_DOCS } from './email/events/webhook.docs';

/** Options main.ts and the e2e tests create the app with. */
export const APP_OPTIONS = { bufferLogs: true, bodyParser: false, abortOnError: false } as const;

/** Everything about the app that is not a module provider; shared by main.ts and tests. */
export function setupApp(app: NestExpressApplication): NestExpressApplication {
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // An ETag is a SHA-1 of every answer; no client of this API revalidates, so it is pure cost.
  app.set('etag', false);
  app.use(securityHeaders());
  const config = app.get<ConfigService<EnvironmentVariables, true>>(ConfigService);
  if (config.get('plan', { infer: true }).api) setupSwagger(app, WEBHOOK_DOCS);
  return app;
}
