import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * helmet's headers everywhere. Its default Content-Security-Policy fits the info page and
 * Swagger UI (scripts from 'self' only); Bull Board's bundled UI runs an inline bootstrap
 * script, so /queues gets the other headers without the CSP.
 */
export function securityHeaders(): RequestHandler {
  const strict = helmet();
  const withoutCsp = helmet({ contentSecurityPolicy: false });
  return (req, res, next) => (req.path.startsWith('/queues') ? withoutCsp : strict)(req, res, next);
}
