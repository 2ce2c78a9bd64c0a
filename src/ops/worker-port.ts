import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { CODE } from '../common/error-codes';
import { errorBody } from '../common/http-error.filter';
import { ROUTES } from '../common/routes';

const OPS_PATHS = new Set([`/${ROUTES.health}`, `/${ROUTES.health}/live`, `/${ROUTES.metrics}`]);

/** ROLE=worker's optional HEALTH_PORT serves health and metrics only: never the API. */
export function serveOpsOnly(app: INestApplication): void {
  // Express middleware, outside Nest: the filter's body builder, not the filter itself.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (OPS_PATHS.has(req.path)) return next();
    res
      .status(404)
      .json(errorBody(404, 'A worker serves only /health and /metrics', CODE.not_found));
  });
}
