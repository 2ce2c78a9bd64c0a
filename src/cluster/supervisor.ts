import cluster, { Worker } from 'node:cluster';
import pino, { Logger } from 'pino';
import { lineOptions } from '../common/logger.options';
import { EnvironmentVariables } from '../config/env.validation';
import { supervisedEnvironment } from '../config/environment';
import type { Supervision } from '../config/role';
import { ClusterMetrics } from './cluster-metrics';
import { LogRelay } from './log-relay';
import { ToProcess, ToSupervisor, isOurs } from './messages';
import { Slot, countsOf, running, slotsOf } from './process-slot';

/** What a process gets after SHUTDOWN_GRACE_MS before the supervisor kills it: its own close. */
const CLOSE_MARGIN_MS = 8000;
const FLUSH_TIMEOUT_MS = 1000;

/**
 * ROLE=all: forks API_PROCESSES API processes and WORKER_PROCESSES worker processes of this
 * same program (node:cluster, so the API processes share PORT) and keeps them running:
 *
 * - a process that dies is started again after a backoff (restart-policy.ts), with a log line;
 * - SIGTERM/SIGINT is passed on to each process, which drains as a lone process does
 *   (shutdown.ts); the supervisor exits 0 once all have exited;
 * - the processes' log lines reach stdout and LOG_FILE through it (log-relay.ts);
 * - it answers the API processes' questions over IPC: the metrics of all processes
 *   (cluster-metrics.ts) for /metrics, the processes up for /health.
 *
 * If the supervisor itself is killed, its processes see the IPC channel close and exit at
 * once (node:cluster does that for every process it forked).
 */
export class Supervisor {
  private readonly logs: LogRelay;
  private readonly logger: Logger;
  private readonly slots: Slot[];
  private readonly metrics: ClusterMetrics;
  private stopping = false;
  private allStarted = false;
  private exitCode = 0;

  constructor(private readonly env: EnvironmentVariables) {
    this.logs = new LogRelay(env.LOG_FILE);
    this.logger = pino(lineOptions(env.LOG_LEVEL, 'supervisor'), this.logs);
    const plan = env.plan.supervise as Supervision;
    this.slots = [...slotsOf('api', plan.api), ...slotsOf('worker', plan.worker)];
    this.metrics = new ClusterMetrics(() => countsOf(this.slots));
  }

  start(): void {
    const plan = this.env.plan.supervise as Supervision;
    if (plan.workerProcessesAsked !== undefined)
      this.logger.warn(
        `WORKER_PROCESSES=${plan.workerProcessesAsked} capped at WORKER_CONCURRENCY=${this.env.WORKER_CONCURRENCY}: never more worker processes than sends`,
      );
    this.logger.info(
      {
        api_processes: plan.api,
        worker_processes: plan.worker,
        concurrency_per_worker: plan.concurrencyPerWorker,
      },
      `starting ${plan.api} api and ${plan.worker} worker processes`,
    );
    // Their stdout and stderr come to the supervisor as pipes (see LogRelay).
    cluster.setupPrimary({ silent: true });
    for (const signal of ['SIGTERM', 'SIGINT'] as const)
      process.on(signal, () => this.stop(signal, signal));
    for (const slot of this.slots) this.fork(slot);
  }

  private fork(slot: Slot): void {
    slot.timer = undefined;
    const child = cluster.fork(supervisedEnvironment(this.env, slot.label));
    slot.process = child;
    slot.startedAt = Date.now();
    slot.started = false;
    this.logs.attach(child.process.stdout!, child.process.stderr!);
    child.on('message', (message: unknown) => this.onMessage(slot, child, message));
    // 'close', not 'exit': by then its last lines have come through the pipe.
    child.process.once('close', (code: number | null, signal: NodeJS.Signals | null) =>
      this.onExit(slot, child, code, signal),
    );
    if (slot.restarts > 0)
      this.logger.info(
        { child: slot.label, child_pid: child.process.pid, restarts: slot.restarts },
        `${slot.label} restarted`,
      );
  }

  private onMessage(slot: Slot, child: Worker, message: unknown): void {
    if (!isOurs<ToSupervisor>(message) || slot.process !== child) return;
    switch (message.type) {
      case 'mail-relay:ready':
        slot.started = true;
        if (!this.allStarted && this.slots.every((each) => each.started)) {
          this.allStarted = true;
          this.logger.info(
            { processes: this.slots.map((each) => each.label) },
            'all processes started',
          );
        }
        return;
      case 'mail-relay:collected':
        return this.metrics.collected(message.id, message.metrics);
      case 'mail-relay:ask':
        return void this.answer(child, message.id, message.what);
    }
  }

  private async answer(child: Worker, id: number, what: 'metrics' | 'processes'): Promise<void> {
    let answer: ToProcess;
    try {
      answer =
        what === 'processes'
          ? { type: 'mail-relay:answer', id, processes: countsOf(this.slots) }
          : {
              type: 'mail-relay:answer',
              id,
              metrics: await this.metrics.aggregate(running(this.slots)),
            };
    } catch (error) {
      this.logger.error({ err: (error as Error).message }, `cannot answer ${what}`);
      answer = { type: 'mail-relay:answer', id, error: (error as Error).message };
    }
    if (child.isConnected()) child.send(answer, () => undefined);
  }

  private onExit(
    slot: Slot,
    child: Worker,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    if (slot.process !== child) return;
    const started = slot.started;
    slot.process = undefined;
    slot.started = false;
    const how = { child: slot.label, child_pid: child.process.pid, exit_code: code, signal };
    if (this.stopping) {
      this.logger.info(how, `${slot.label} stopped`);
      return this.finishWhenAllExited();
    }
    // At the start, as for a lone process, a process that cannot start ends it (exit 1): a port
    // in use, say, is not something a restart mends. Later, only doing so again and again does.
    const decision = this.allStarted
      ? slot.policy.onExit(Date.now() - slot.startedAt, started)
      : { giveUp: true as const };
    if ('giveUp' in decision) {
      const when = started ? 'before all processes had started' : 'before it started';
      this.logger.fatal(how, `${slot.label} exited ${when}: stopping`);
      this.exitCode = 1;
      return this.stop(`${slot.label} could not start`);
    }
    slot.restarts++;
    this.metrics.restarted(slot.kind);
    this.logger.error(
      { ...how, restart_in_ms: decision.delayMs },
      `${slot.label} exited (${signal ?? `code ${code}`}): restarting in ${decision.delayMs} ms`,
    );
    slot.timer = setTimeout(() => this.fork(slot), decision.delayMs);
  }

  /**
   * Sends SIGTERM (or the signal received) to every process, each of which drains as a lone
   * process does; exits once all have exited.
   */
  private stop(why: string, signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.stopping) return;
    this.stopping = true;
    const running = this.slots.filter((slot) => slot.process);
    this.logger.info(
      { children: running.map((slot) => slot.label) },
      `${why}: stopping; each process waits up to ${this.env.SHUTDOWN_GRACE_MS} ms for its sends in flight`,
    );
    for (const slot of this.slots) {
      clearTimeout(slot.timer);
      slot.process?.process.kill(signal);
    }
    setTimeout(() => this.killStragglers(), this.env.SHUTDOWN_GRACE_MS + CLOSE_MARGIN_MS).unref();
    this.finishWhenAllExited();
  }

  private killStragglers(): void {
    const left = this.slots.filter((slot) => slot.process);
    this.logger.error(
      { children: left.map((slot) => slot.label) },
      'processes still running after the grace period and their close: killed',
    );
    this.exitCode = 1;
    for (const slot of left) slot.process?.process.kill('SIGKILL');
  }

  private finishWhenAllExited(): void {
    if (this.slots.some((slot) => slot.process)) return;
    this.logger.info('stopped');
    // Every line out, in order, before the exit (a second at most: a closed stdout stays so).
    const exit = (): never => process.exit(this.exitCode);
    setTimeout(exit, FLUSH_TIMEOUT_MS);
    this.logs.end(exit);
  }
}
