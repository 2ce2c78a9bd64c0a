import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

const OPS_PATHS = new Set(['/health', '/health/live', '/metrics']);

/** ROLE=worker's optional HEALTH_PORT serves health and metrics only: never the API. */
export function serveOpsOnly(app: INestApplication): void {
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (OPS_PATHS.has(req.path)) return next();
    res.status(404).json({
      statusCode: 404,
      error: 'Not Found',
      message: 'A worker serves only /health and /metrics',
      code: 'not_found',
    });
  });
}
