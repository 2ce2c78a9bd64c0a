import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { ROUTES } from './paths';

/** JSON answers: browsers never render them, so of helmet's headers only nosniff matters. */
const JSON_PREFIXES = [
  ROUTES.email,
  ROUTES.templates,
  ROUTES.suppressions,
  ROUTES.bounces,
  ROUTES.dkim,
  ROUTES.health,
  ROUTES.metrics,
  'info.json',
];
const JSON_ROUTES = new RegExp(
  `^/(${JSON_PREFIXES.map((p) => p.replace('.', '\\.')).join('|')})(/|$)`,
);

/**
 * helmet's headers on the pages people open. Its default Content-Security-Policy fits the
 * info page and Swagger UI (scripts from 'self' only); Bull Board's bundled UI runs an
 * inline bootstrap script, so /queues gets the other headers without the CSP. The API's
 * JSON answers get X-Content-Type-Options alone: the full set would add ~700 bytes to each.
 */
export function securityHeaders(): RequestHandler {
  const strict = helmet();
  const withoutCsp = helmet({ contentSecurityPolicy: false });
  return (req, res, next) => {
    if (!JSON_ROUTES.test(req.path))
      return (req.path.startsWith(`/${ROUTES.board}`) ? withoutCsp : strict)(req, res, next);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  };
}
