import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { metricsRegistry } from '../common/metrics';
import { withTimeout } from '../common/timeout';
import type { EnvironmentVariables } from '../config/env.validation';
import { ProcessCounts, ToProcess, ToSupervisor, isOurs } from './messages';

/** How long /metrics or /health waits for the supervisor (which waits 2 s per process at most). */
const ASK_TIMEOUT_MS = 4000;

type Answer = Extract<ToProcess, { type: 'mail-relay:answer' }>;

/**
 * A supervised process's side of the IPC channel (in every process, from OpsModule): it hands
 * its own metrics to the supervisor when asked, and lets /metrics and /health of an API
 * process ask the supervisor for what only it knows. Inert in a process without a supervisor
 * (ROLE=api, ROLE=worker, the in-process tests).
 */
@Injectable()
export class SupervisorLink implements OnModuleInit, OnModuleDestroy {
  /** Whether this process was forked by the supervisor (and can still reach it). */
  readonly supervised: boolean;
  private next = 0;
  private readonly waiting = new Map<number, (answer: Answer) => void>();
  private readonly onMessage = (message: unknown): void => void this.handle(message);

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    this.supervised =
      config.get('plan', { infer: true }).supervised !== undefined && process.send !== undefined;
  }

  onModuleInit(): void {
    if (this.supervised) process.on('message', this.onMessage);
  }

  onModuleDestroy(): void {
    process.off('message', this.onMessage);
  }

  /** The metrics of every process the supervisor runs, and its own, aggregated. */
  async metrics(): Promise<string> {
    const { metrics } = await this.ask('metrics');
    if (metrics === undefined) throw new Error('the supervisor sent no metrics');
    return metrics;
  }

  /** How many processes of each kind are up, of how many configured. */
  async processes(): Promise<ProcessCounts> {
    const { processes } = await this.ask('processes');
    if (processes === undefined) throw new Error('the supervisor sent no process counts');
    return processes;
  }

  private async ask(what: 'metrics' | 'processes'): Promise<Answer> {
    const id = this.next++;
    const answer = new Promise<Answer>((resolve, reject) => {
      this.waiting.set(id, resolve);
      this.send({ type: 'mail-relay:ask', id, what }, reject);
    });
    try {
      const answered = await withTimeout(answer, ASK_TIMEOUT_MS, () => {
        throw new Error(`the supervisor did not answer in ${ASK_TIMEOUT_MS} ms`);
      });
      if (answered.error !== undefined) throw new Error(`the supervisor: ${answered.error}`);
      return answered;
    } finally {
      this.waiting.delete(id);
    }
  }

  private async handle(message: unknown): Promise<void> {
    if (!isOurs<ToProcess>(message)) return;
    if (message.type === 'mail-relay:answer') return this.waiting.get(message.id)?.(message);
    const { id } = message;
    try {
      this.send({
        type: 'mail-relay:collected',
        id,
        metrics: await metricsRegistry.getMetricsAsJSON(),
      });
    } catch (error) {
      this.send({ type: 'mail-relay:collected', id, error: (error as Error).message });
    }
  }

  private send(message: ToSupervisor, onError: (error: Error) => void = () => undefined): void {
    if (!process.send || !process.connected) return onError(new Error('no supervisor'));
    process.send(message, undefined, undefined, (error: Error | null) => error && onError(error));
  }
}
