import type { Worker } from 'node:cluster';
import { AggregatorRegistry, Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { withTimeout } from '../common/timeout';
import type { MetricsJson, ProcessCounts, ToProcess } from './messages';

/** How long the supervisor waits for one process's metrics before answering without them. */
const COLLECT_TIMEOUT_MS = 2000;

/**
 * The supervisor's side of /metrics: it asks every started process for its own metrics (as
 * prom-client's JSON), adds its own, and has prom-client's cluster aggregation merge them
 * (AggregatorRegistry.aggregate: counters and histograms summed; gauges by their
 * `aggregator`, sum unless one says otherwise). Not AggregatorRegistry.clusterMetrics(): that
 * asks every forked process, including one still booting, and fails the whole answer after
 * 5 s when one is silent; here a silent process is left out of that one answer.
 */
export class ClusterMetrics {
  private readonly registry = new Registry();
  private readonly restarts: Counter<'kind'>;
  private next = 0;
  private readonly waiting = new Map<number, (metrics: MetricsJson | undefined) => void>();

  constructor(counts: () => ProcessCounts) {
    collectDefaultMetrics({ register: this.registry });
    this.restarts = new Counter({
      name: 'supervised_process_restarts_total',
      help: 'Processes the supervisor restarted after they died, by kind',
      labelNames: ['kind'] as const,
      registers: [this.registry],
    });
    new Gauge({
      name: 'supervised_processes_up',
      help: 'Processes of each kind that have started and still run',
      labelNames: ['kind'] as const,
      registers: [this.registry],
      collect(): void {
        const now = counts();
        this.set({ kind: 'api' }, now.api.up);
        this.set({ kind: 'worker' }, now.worker.up);
      },
    });
  }

  restarted(kind: string): void {
    this.restarts.inc({ kind });
  }

  /** The Prometheus text of every process in `processes` and of the supervisor, aggregated. */
  async aggregate(processes: Worker[]): Promise<string> {
    const own = await this.registry.getMetricsAsJSON();
    const theirs = await Promise.all(processes.map((worker) => this.collect(worker)));
    const answered = theirs.filter((metrics): metrics is MetricsJson => metrics !== undefined);
    return AggregatorRegistry.aggregate([own, ...answered]).metrics();
  }

  /** A process's answer to `collect` (its message handler in the supervisor calls this). */
  collected(id: number, metrics: MetricsJson | undefined): void {
    this.waiting.get(id)?.(metrics);
  }

  private async collect(worker: Worker): Promise<MetricsJson | undefined> {
    const id = this.next++;
    const answer = new Promise<MetricsJson | undefined>((resolve) => {
      this.waiting.set(id, resolve);
      const ask: ToProcess = { type: 'mail-relay:collect', id };
      // A process that is going away answers nothing; its absence is not an error here.
      if (!worker.isConnected()) return resolve(undefined);
      worker.send(ask, (error: Error | null) => error && resolve(undefined));
    });
    try {
      return await withTimeout(answer, COLLECT_TIMEOUT_MS, () => undefined);
    } finally {
      this.waiting.delete(id);
    }
  }
}
