/**
 * Splits a V8 CPU profile into the layers of a request's path. A sample counts for the
 * innermost frame that belongs to a package or to the app, so that time in Node's own code
 * and in native calls (a socket write, a hash) counts for whoever called it: a write under
 * ioredis is Redis time, under express it is HTTP time.
 */

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export const IDLE = 'idle';
const GC = 'garbage collection';
/** The preload's own start and stop calls: not the server's work, left out. */
export const PROFILER = 'the profiler itself';
const OTHER = 'Node internals and other';

/** V8's pseudo-frames, told by their exact name (a package's function may well be called `send`). */
const PSEUDO_FRAMES = new Map([
  ['(idle)', IDLE],
  ['(garbage collector)', GC],
]);

const LAYERS: [string, RegExp][] = [
  [
    'HTTP server, Express, body parsing',
    /^(node:_http\w*|express|router|body-parser|raw-body|finalhandler|on-finished|send|iconv-lite)$/,
  ],
  [
    'Nest (core, common, platform-express, rxjs)',
    /^(@nestjs\/(core|common|platform-express)|rxjs|reflect-metadata|tslib)$/,
  ],
  [
    'validation (class-validator, class-transformer)',
    /^(class-validator|class-transformer|validator|libphonenumber-js)$/,
  ],
  [
    'request and job logs (pino, pino-http)',
    /^(pino|pino-http|nestjs-pino|@pinojs\/redact|sonic-boom|pino-std-serializers)$/,
  ],
  [
    'queue and Redis (bull, ioredis)',
    /^(bull|ioredis|redis-parser|lodash|msgpackr|uuid|denque|cluster-key-slot|standard-as-callback)$/,
  ],
  ['mail sending (nodemailer)', /^(nodemailer|@nestjs-modules\/mailer|handlebars|html-to-text)$/],
  [
    'metrics, security headers, rate limit',
    /^(prom-client|helmet|@nestjs\/throttler|@nest-lab\/throttler-storage-redis)$/,
  ],
  ["the server's own code", /^app$/],
];

/** The npm package a script belongs to (`@scope/name` or `name`), if any. */
const packageOf = (url: string): string | undefined =>
  /node_modules\/((@[^/]+\/)?[^/]+)\//.exec(url)?.[1];

/** The package, `node:<module>` or `app` that a frame's script belongs to; undefined for native frames. */
function ownerOf(url: string): string | undefined {
  if (!url) return undefined;
  const pkg = packageOf(url);
  if (pkg) return pkg;
  if (url.endsWith('cpu-profile.preload.js')) return PROFILER;
  return url.startsWith('node:') ? url.split('/')[0] : 'app';
}

/** Frames of other packages and of Node's own modules count for their caller. */
const layerOf = (owner: string): string | undefined =>
  LAYERS.find(([, pattern]) => pattern.test(owner))?.[0];

/** The layer each node's self time counts for (see the top of this file). */
function nodeLayers(profile: CpuProfile): (node: ProfileNode) => string {
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node);
  const layerOfNode = new Map<number, string>();
  const resolve = (node: ProfileNode): string => {
    const known = layerOfNode.get(node.id);
    if (known) return known;
    const { functionName, url } = node.callFrame;
    const owner = ownerOf(url);
    const up = parent.get(node.id);
    const layer =
      PSEUDO_FRAMES.get(functionName) ??
      (owner === PROFILER ? PROFILER : undefined) ??
      (owner ? layerOf(owner) : undefined) ??
      (up ? resolve(up) : OTHER);
    layerOfNode.set(node.id, layer);
    return layer;
  };
  return resolve;
}

/** Microseconds per layer, plus `idle`, the profiler's own calls, and `Node internals and other`. */
export function layers(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const layerOfNode = nodeLayers(profile);
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const layer = layerOfNode(byId.get(id)!);
    totals.set(layer, (totals.get(layer) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return totals;
}

export const LAYER_NAMES = [GC, ...LAYERS.map(([name]) => name), OTHER];
