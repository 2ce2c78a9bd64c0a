import { ConflictException, Injectable } from '@nestjs/common';
import { validationFailed } from '../../common/validation.errors';
import { IdempotentRequest } from './request.decorators';
import { EmailQueueConnection } from '../store/email-queue.connection';
import { IdempotencyStore, fingerprintOf } from '../store/idempotency.store';
import { CODE } from '../../common/error-codes';

const conflict = (message: string): ConflictException =>
  new ConflictException({ message, code: CODE.idempotency_conflict });

/**
 * Idempotency-Key (1..256 characters, per API key, 24 h): a repeat of a request that was
 * accepted gets the first answer again with `Idempotent-Replay: true` and queues nothing;
 * the same key with another body, or while the first is still running, gets a 409. Only
 * accepted (2xx) answers are remembered: after a 4xx or 503 the key may be used again.
 * A plain wrapper rather than a Nest interceptor: the send path is hot, and an interceptor
 * puts every request through RxJS and an AsyncResource even when no key is sent.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly connection: EmailQueueConnection,
  ) {}

  async run<T>(request: IdempotentRequest, accept: () => Promise<T>): Promise<T> {
    if (request.key === undefined) return accept();
    if (typeof request.key !== 'string' || request.key.length < 1 || request.key.length > 256) {
      throw validationFailed([
        { field: 'Idempotency-Key', message: 'Idempotency-Key must be 1 to 256 characters' },
      ]);
    }
    const key = this.store.keyOf(request.owner, request.key);
    const fingerprint = fingerprintOf(request.route, request.body);
    const claim = await this.connection.run(
      () => this.store.claim(key, fingerprint),
      request.deadline,
    );
    if (claim.state !== 'claimed' && claim.fingerprint !== fingerprint) {
      throw conflict('This Idempotency-Key was used with a different request');
    }
    if (claim.state === 'pending') {
      request.setHeader('Retry-After', '1');
      throw conflict('A request with this Idempotency-Key is still being processed');
    }
    if (claim.state === 'done') {
      request.setHeader('Idempotent-Replay', 'true');
      return claim.response as T;
    }
    let answer: T;
    try {
      answer = await accept();
    } catch (error) {
      // Nothing was accepted: free the key for a corrected retry. Not awaited: with Redis away
      // it would outlast the request's deadline; it runs after the claim on the same connection.
      void this.store.release(key).catch(() => undefined);
      throw error;
    }
    // The mail is queued by now: failing to remember the answer must not turn it into an
    // error (the client would retry and send twice); the key just stays claimed for a minute.
    await this.connection
      .run(() => this.store.complete(key, fingerprint, answer), request.deadline)
      .catch(() => undefined);
    return answer;
  }
}
