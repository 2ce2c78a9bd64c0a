import {
  CallHandler,
  ConflictException,
  ExecutionContext,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { Observable, catchError, from, mergeMap, of } from 'rxjs';
import { validationFailed } from '../validation.errors';
import { ApiKeyRecord } from './api-key.store';
import { EmailQueueConnection } from './email-queue.connection';
import { IdempotencyStore, fingerprintOf } from './idempotency.store';

const HEADER = 'idempotency-key';

const conflict = (message: string): ConflictException =>
  new ConflictException({ message, code: 'idempotency_conflict' });

/**
 * Idempotency-Key (1..256 characters, per API key, 24 h): a repeat of a request that was
 * accepted gets the first answer again with `Idempotent-Replay: true` and queues nothing;
 * the same key with another body, or while the first is still running, gets a 409. Only
 * accepted (2xx) answers are remembered: after a 4xx or 503 the key may be used again.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly connection: EmailQueueConnection,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request & { apiKey: ApiKeyRecord }>();
    const idempotencyKey = request.headers[HEADER];
    if (idempotencyKey === undefined) return next.handle();
    if (
      typeof idempotencyKey !== 'string' ||
      idempotencyKey.length < 1 ||
      idempotencyKey.length > 256
    ) {
      throw validationFailed([
        { field: 'Idempotency-Key', message: 'Idempotency-Key must be 1 to 256 characters' },
      ]);
    }
    const key = this.store.keyOf(request.apiKey.name, idempotencyKey);
    const fingerprint = fingerprintOf(
      request.route ? String((request.route as { path: string }).path) : request.path,
      request.body,
    );
    const claim = await this.connection.run(() => this.store.claim(key, fingerprint));
    const response = http.getResponse<Response>();
    if (claim.state !== 'claimed' && claim.fingerprint !== fingerprint) {
      throw conflict('This Idempotency-Key was used with a different request');
    }
    if (claim.state === 'pending') {
      response.setHeader('Retry-After', '1');
      throw conflict('A request with this Idempotency-Key is still being processed');
    }
    if (claim.state === 'done') {
      response.setHeader('Idempotent-Replay', 'true');
      return of(claim.response);
    }
    return next.handle().pipe(
      mergeMap((body: unknown) => from(this.remember(key, fingerprint, body))),
      catchError((error: unknown) => from(this.forget(key, error))),
    );
  }

  /**
   * The mail is queued by now: a failure to remember the answer must not turn it into an
   * error (the client would retry and send twice); the key just stays claimed for a minute.
   */
  private async remember(key: string, fingerprint: string, body: unknown): Promise<unknown> {
    await this.store.complete(key, fingerprint, body).catch(() => undefined);
    return body;
  }

  /** Nothing was accepted: free the key for a corrected retry, and pass the error on. */
  private async forget(key: string, error: unknown): Promise<never> {
    await this.store.release(key).catch(() => undefined);
    throw error;
  }
}
