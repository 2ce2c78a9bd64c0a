import { InjectQueue } from '@nestjs/bull';
import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import type { Queue } from 'bull';
import type { Response } from 'express';
import { ConfigService } from '@nestjs/config';
import { EnvironmentVariables } from '../config/env.validation';
import { readTransportStates } from '../email/worker/transports/transport.state';
import { SupervisorLink } from '../cluster/supervisor-link';
import { Public } from '../email/http/request.decorators';
import { EMAIL_QUEUE } from '../email/store/email.constants';
import { ROUTES } from '../common/paths';
import { withTimeout } from '../common/timeout';

const PING_TIMEOUT_MS = 1000;

/** `result` with `name`'s state added (as info when up, error when down), if there is one. */
function reported(
  result: HealthCheckResult,
  name: string,
  state: HealthIndicatorResult[string] | undefined,
): HealthCheckResult {
  if (!state) return result;
  const where = state.status === 'up' ? 'info' : 'error';
  return {
    ...result,
    [where]: { ...result[where], [name]: state },
    details: { ...result.details, [name]: state },
  };
}

/** @nestjs/terminus health: liveness, and readiness with a Redis ping (503 when down). */
@ApiTags('operations')
@Public()
@Controller(ROUTES.health)
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @InjectQueue(EMAIL_QUEUE) private readonly queue: Queue,
    private readonly supervisor: SupervisorLink,
    private readonly config: ConfigService<EnvironmentVariables, true>,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Readiness: the process is up and Redis answers a ping (else 503); under ROLE=all also the worker processes up',
  })
  async ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    const [result, workers, transports] = await Promise.all([
      this.check(response),
      this.workers(),
      this.transports(),
    ]);
    // Reported, not judged: the API accepts mail whatever the workers and relays do (it
    // waits in the queue), so readiness stays Redis' alone; `down` says none is working.
    return reported(reported(result, 'workers', workers), 'transports', transports);
  }

  /** Each transport's last outcome (`ok: null`: not used yet); down when none works. */
  private async transports(): Promise<HealthIndicatorResult[string] | undefined> {
    const names = this.config.get('transports', { infer: true }).map(({ name }) => name);
    if (names.length === 0) return undefined;
    const read = readTransportStates(this.queue, names);
    const states = await withTimeout(read, PING_TIMEOUT_MS, () => undefined).catch(() => undefined);
    if (!states) return undefined;
    const working = names.some((name) => states[name]?.ok !== false);
    const each = names.map((name): [string, object] => [name, states[name] ?? { ok: null }]);
    const result: HealthIndicatorResult[string] = { status: working ? 'up' : 'down' };
    return Object.assign(result, Object.fromEntries(each));
  }

  private async check(response: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.redis()]);
    } catch (error) {
      // Terminus' own body (which indicator is down) is what an orchestrator or person wants.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }

  /** Under the supervisor: its worker processes, up (started and running) of configured. */
  private async workers(): Promise<HealthIndicatorResult[string] | undefined> {
    if (!this.supervisor.supervised) return undefined;
    try {
      const { worker } = await this.supervisor.processes();
      return { status: worker.up > 0 ? 'up' : 'down', ...worker };
    } catch {
      return { status: 'down', message: 'the supervisor did not answer' };
    }
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live(): { status: 'ok'; uptime_seconds: number } {
    return { status: 'ok', uptime_seconds: Math.round(process.uptime()) };
  }

  private async redis(): Promise<HealthIndicatorResult> {
    const session = this.indicators.check('redis');
    const timedOut = new Error(`no answer in ${PING_TIMEOUT_MS} ms`);
    try {
      await withTimeout(this.queue.client.ping(), PING_TIMEOUT_MS, () => {
        throw timedOut;
      });
      return session.up();
    } catch (error) {
      // Our own words only: the client's errors name Redis' address, and /health is public.
      return session.down({ message: error === timedOut ? timedOut.message : 'unreachable' });
    }
  }
}
