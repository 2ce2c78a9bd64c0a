import {
  ForbiddenException,
  HttpException,
  HttpStatus,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { sha256 } from '../../config/api-key.parser';
import { LoginThrottle } from './login-throttle';
import { ROUTES } from '../../common/paths';
import { CODE } from '../../common/error-codes';

export const BOARD_ROUTE = `/${ROUTES.board}`;

// What the board may change: retry (one job, or all of a state) and promote (one, or all
// delayed). Adding, editing, removing, cleaning, emptying, obliterating, pausing are refused:
// an accepted email must end `sent` or `failed`, never vanish or change under the worker.
const BOARD_WRITES = [
  /^\/api\/queues\/[^/]+\/retry\/[^/]+$/,
  /^\/api\/queues\/[^/]+\/promote$/,
  /^\/api\/queues\/[^/]+\/[^/]+\/retry$/,
  /^\/api\/queues\/[^/]+\/[^/]+\/promote$/,
];
const READS = new Set(['GET', 'HEAD']);

function mayChange(req: Request): boolean {
  if (READS.has(req.method)) return true;
  const path = req.originalUrl.split('?')[0].slice(BOARD_ROUTE.length);
  return req.method === 'PUT' && BOARD_WRITES.some((write) => write.test(path));
}

function credentialsOf(req: Request): string {
  const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
  return scheme?.toLowerCase() === 'basic' && encoded
    ? Buffer.from(encoded, 'base64').toString()
    : '';
}

/**
 * HTTP Basic auth for /queues and its API, compared in constant time, with failed logins
 * throttled per client address; then only inspection, retry and promotion get through.
 * Without BOARD_USER and BOARD_PASSWORD the board is off and answers 404.
 */
export function boardAuth(
  user?: string,
  password?: string,
  warnOff?: (why: string) => void,
  throttle = new LoginThrottle(),
): RequestHandler {
  const expected = user && password ? sha256(`${user}:${password}`) : undefined;
  if (!expected) warnOff?.('set BOARD_USER and BOARD_PASSWORD to turn it on');
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!expected)
      throw new NotFoundException({
        message: 'Bull Board is off: set BOARD_USER and BOARD_PASSWORD',
        code: CODE.not_found,
      });
    const client = req.socket.remoteAddress ?? 'unknown';
    const blockedMs = throttle.blockedFor(client);
    if (blockedMs > 0) {
      res.setHeader('Retry-After', String(Math.ceil(blockedMs / 1000)));
      throw new HttpException(
        {
          message: 'Too many failed logins from this address; try again later',
          code: CODE.rate_limited,
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const given = credentialsOf(req);
    if (!given || !timingSafeEqual(sha256(given), expected)) {
      throttle.fail(client);
      res.setHeader('WWW-Authenticate', 'Basic realm="Bull Board", charset="UTF-8"');
      throw new UnauthorizedException({
        message: 'Bull Board needs its user and password',
        code: CODE.unauthorized,
      });
    }
    if (!mayChange(req))
      throw new ForbiddenException({
        message: 'Bull Board here may inspect, retry and promote jobs, nothing more',
        code: CODE.forbidden,
      });
    next();
  };
}
