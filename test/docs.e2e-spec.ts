import SwaggerParser from '@apidevtools/swagger-parser';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WEBHOOK_EVENT_TYPES } from '../src/config/webhook.config';
import { sampleEvent } from '../src/email/events/webhook.docs';
import { APP_KEY } from './support/fixtures';
import { ProcessService, useStack } from './support/service';

type Operation = {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, unknown>;
  security?: Record<string, string[]>[];
};
type OpenApi = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { properties: Record<string, unknown> }>;
    securitySchemes: Record<string, unknown>;
  };
};

/** The built service (the Swagger CLI plugin runs at build time), as production serves it. */
describe('OpenAPI document at /docs-json', () => {
  const stack = useStack(() => ({ API_KEYS: `app:${APP_KEY}`, REDIS_URL: 'redis://127.0.0.1:1' }), {
    mode: 'process',
    redis: false,
    smtp: false,
  });
  let service: ProcessService;
  let doc: OpenApi;
  let base: string;

  beforeAll(async () => {
    service = stack.service;
    base = service.url;
    doc = (await (await fetch(`${base}/docs-json`)).json()) as OpenApi;
  });

  it('describes the delivery events: every type, how to verify, how to dedupe', () => {
    const { description } = (doc as unknown as { info: { description: string } }).info;
    for (const type of WEBHOOK_EVENT_TYPES) expect(description).toContain(`\`${type}\``);
    expect(description).toContain('standardwebhooks');
    expect(description).toContain('dedupe on\n`webhook-id`');
  });

  it('has the README show a sample body of every event type, as the service sends it', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    for (const type of WEBHOOK_EVENT_TYPES)
      expect(readme).toContain(JSON.stringify(sampleEvent(type)));
  });

  it('is a valid OpenAPI 3 document', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it('is OpenAPI 3 with every API route', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/send-email',
        '/send-email/batch',
        '/send-email/{id}',
        '/send-email/{id}/cancel',
        '/templates',
        '/templates/{name}/render',
        '/suppressions',
        '/suppressions/{address}',
        '/bounces',
        '/dkim',
      ]),
    );
  });

  it('declares the API key as X-API-Key or Bearer on every API route', () => {
    expect(doc.components.securitySchemes).toMatchObject({
      'api-key': { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      bearer: { type: 'http', scheme: 'bearer' },
    });
    for (const path of Object.keys(doc.paths).filter((p) =>
      /^\/(send-email|templates|suppressions|bounces|dkim)/.test(p),
    )) {
      for (const operation of Object.values(doc.paths[path])) {
        expect(operation.security).toEqual([{ 'api-key': [] }, { bearer: [] }]);
      }
    }
  });

  it('documents the request fields, generated from the DTOs', () => {
    expect(Object.keys(doc.components.schemas.SendEmailDto.properties).sort()).toEqual([
      'attachments',
      'bcc',
      'cc',
      'context',
      'email_from',
      'email_to',
      'headers',
      'message',
      'metadata',
      'reply_to',
      'send_at',
      'subject',
      'tags',
      'template',
    ]);
    expect(Object.keys(doc.components.schemas.SendBatchDto.properties)).toEqual(['emails']);
  });

  it("shows examples, the seed's request among them, and the Idempotency-Key header", () => {
    const send = doc.paths['/send-email'].post;
    const examples = send.requestBody!.content['application/json'].examples!;
    expect(examples.seed.value).toEqual({
      email_to: 'ann@example.com',
      email_from: 'Shop <no-reply@shop.example>',
      subject: 'Confirm your address',
      message: { text: 'plain body', html: '<p>html body</p>' },
    });
    expect(Object.keys(examples)).toEqual(expect.arrayContaining(['template', 'scheduled']));
    expect(send.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]),
    );
  });

  it('documents the error answers with the error body', () => {
    const send = doc.paths['/send-email'].post;
    expect(Object.keys(send.responses).sort()).toEqual([
      '202',
      '400',
      '401',
      '403',
      '409',
      '413',
      '415',
      '429',
      '503',
    ]);
    expect(send.responses['429']).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorDto' } } },
    });
    expect(Object.keys(doc.components.schemas.ErrorDto.properties)).toEqual([
      'statusCode',
      'error',
      'message',
      'code',
      'errors',
    ]);
  });

  it('documents cancel and move of a scheduled email, with their answers', () => {
    const cancel = doc.paths['/send-email/{id}/cancel'].post;
    const move = doc.paths['/send-email/{id}'].patch;
    const ok = { $ref: '#/components/schemas/EmailStatusDto' };
    for (const operation of [cancel, move])
      expect(operation.responses['200']).toMatchObject({
        content: { 'application/json': { schema: ok } },
      });
    expect(Object.keys(cancel.responses).sort()).toEqual([
      '200',
      '401',
      '404',
      '409',
      '429',
      '503',
    ]);
    expect(Object.keys(move.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '404',
      '409',
      '413',
      '415',
      '429',
      '503',
    ]);
    expect(JSON.stringify(move.responses['409'])).toContain('invalid_state');
    expect(Object.keys(doc.components.schemas.RescheduleEmailDto.properties)).toEqual(['send_at']);
    const status = doc.components.schemas.EmailStatusDto.properties.status as { enum: string[] };
    expect(status.enum).toEqual(expect.arrayContaining(['canceled', 'suppressed', 'bounced']));
  });

  it('documents POST /bounces: a raw message/rfc822 body, 202, 413 and 415', () => {
    const bounces = doc.paths['/bounces'].post;
    expect(Object.keys(bounces.requestBody!.content)).toEqual(['message/rfc822']);
    expect(Object.keys(bounces.responses).sort()).toEqual(
      ['202', '401', '413', '415', '429', '503'].sort(),
    );
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await fetch(`${base}/docs`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('swagger-ui');
  });

  it('turns Bull Board off (404) without BOARD_USER and BOARD_PASSWORD, and says so at start', async () => {
    for (const path of ['/queues', '/queues/api/queues'])
      expect((await fetch(`${base}${path}`)).status).toBe(404);
    const warning = await service.waitForLog(
      (line) => line.level === 'warn' && /Bull Board/.test(String(line.msg)),
    );
    expect(warning.msg).toContain('BOARD_USER');
  });
});
