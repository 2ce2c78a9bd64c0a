import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { PACKAGE, ROUTES } from './paths';

const DESCRIPTION = `Transactional email over HTTP. POST a request with your API key; the service validates it,
queues it and answers 202 at once; a worker sends it over SMTP. Every error is
\`{statusCode, error, message, code}\`: branch on \`code\`.`;

/**
 * OpenAPI 3 at /docs-json and Swagger UI at /docs, generated from the DTOs and controllers;
 * `more` is appended to the description (what routes cannot show, such as the webhooks).
 */
export function setupSwagger(app: INestApplication, more = ''): void {
  const config = new DocumentBuilder()
    .setTitle(PACKAGE.name)
    .setDescription(`${DESCRIPTION}\n${more}`)
    .setVersion(PACKAGE.version)
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Your API key' },
      'api-key',
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'API key',
        description: 'Your API key as a bearer token',
      },
      'bearer',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup(ROUTES.docs, app, document, {
    jsonDocumentUrl: `${ROUTES.docs}-json`,
    customSiteTitle: `${PACKAGE.name} API`,
    // A key typed into "Authorize" must not outlive the tab in localStorage.
    swaggerOptions: { persistAuthorization: false },
  });
}
