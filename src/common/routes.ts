/** Every route prefix the service serves: controllers, headers and the worker's port read these. */
export const ROUTES = {
  email: 'send-email',
  templates: 'templates',
  health: 'health',
  metrics: 'metrics',
  docs: 'docs',
  board: 'queues',
} as const;
