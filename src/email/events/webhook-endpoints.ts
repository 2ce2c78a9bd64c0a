import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiKeyRecord } from '../../config/api-key.parser';
import { EnvironmentVariables } from '../../config/env.validation';
import { WebhookEndpoint, WebhookEventType } from '../../config/webhook.config';

/** Each API key's endpoint: its own `webhook`, else WEBHOOK_URL's, else none. */
@Injectable()
export class WebhookEndpoints {
  private readonly byOwner = new Map<string, WebhookEndpoint>();

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    const fallback = config.get('webhookDefault', { infer: true });
    for (const key of config.get<ApiKeyRecord[]>('apiKeys')) {
      const endpoint = key.webhook ?? fallback;
      if (endpoint) this.byOwner.set(key.name, endpoint);
    }
  }

  endpointOf(owner: string): WebhookEndpoint | undefined {
    return this.byOwner.get(owner);
  }

  /** Whether `owner` has an endpoint whose filter lets `type` through. */
  wants(owner: string, type: WebhookEventType): boolean {
    const endpoint = this.byOwner.get(owner);
    return endpoint !== undefined && (endpoint.events?.has(type) ?? true);
  }
}
