/**
 * A flame view of a V8 CPU profile as one self-contained SVG: callers above callees, each
 * frame as wide as its time, coloured by the layer its own time counts for (cpu-layers.ts), so
 * a glance shows which layer holds the width. Hovering a frame shows its name, place and time.
 * Hand-written because the flame-graph packages on npm either bring a native profiler addon
 * (cpupro) or no longer read the profiles Node writes (flamegraph).
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  CpuProfile,
  IDLE,
  LAYER_NAMES,
  PROFILER,
  ProfileNode,
  layers,
  nodeLayers,
  packageOf,
} from './cpu-layers';

const WIDTH = 1200;
const ROW = 16;
const LEGEND_ROW = 18;
/** Narrower frames (and what they call) are left out: they would only be hairlines. */
const MIN_PX = 1;
const CHAR_PX = 6.6;
const COLORS = [
  '#9e9e9e', // garbage collection
  '#f28e2b', // HTTP
  '#e15759', // Nest
  '#b07aa1', // validation
  '#76b7b2', // logs
  '#4e79a7', // Redis
  '#59a14f', // nodemailer
  '#edc948', // metrics, headers, rate limit
  '#ff9da7', // own code
  '#bab0ac', // Node internals and other
];

interface Frame {
  node: ProfileNode;
  layer: string;
  total: number;
  children: Frame[];
}

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `name (package)` or `name (file)`: where a frame's code lives, short. */
function label({ functionName, url }: ProfileNode['callFrame']): string {
  const name = functionName || '(anonymous)';
  const where = packageOf(url) ?? url.split('/').pop();
  return where ? `${name} (${where})` : name;
}

/** The call tree with inclusive µs per frame; idle time and the profiler's own calls left out. */
function callTree(profile: CpuProfile): Frame {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const layerOf = nodeLayers(profile);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );
  const build = (node: ProfileNode): Frame => {
    const layer = layerOf(node);
    const children = (node.children ?? []).map((id) => build(byId.get(id)!));
    const own = layer === IDLE || layer === PROFILER ? 0 : (self.get(node.id) ?? 0);
    const total = own + children.reduce((sum, child) => sum + child.total, 0);
    return { node, layer, total, children: children.sort((a, b) => b.total - a.total) };
  };
  return build(profile.nodes[0]);
}

/** A swatch per layer with its share of the busy time (`layers()` of the same profile). */
function legend(perLayer: Map<string, number>, busy: number): string[] {
  return LAYER_NAMES.map((layer, i) => {
    const share = (100 * (perLayer.get(layer) ?? 0)) / busy;
    const x = (i % 4) * (WIDTH / 4);
    const y = 28 + Math.floor(i / 4) * LEGEND_ROW;
    return (
      `<rect x="${x}" y="${y}" width="12" height="12" fill="${COLORS[i]}"/>` +
      `<text x="${x + 16}" y="${y + 10}">${escape(layer)}: ${share.toFixed(1)} %</text>`
    );
  });
}

function frames(root: Frame, top: number): { svg: string[]; depth: number } {
  const scale = WIDTH / root.total;
  const svg: string[] = [];
  let depth = 0;
  const draw = (frame: Frame, x: number, level: number): void => {
    const width = frame.total * scale;
    if (width < MIN_PX) return;
    depth = Math.max(depth, level + 1);
    const y = top + level * ROW;
    const color = COLORS[LAYER_NAMES.indexOf(frame.layer)] ?? '#dddddd';
    const name = level === 0 ? 'all' : label(frame.node.callFrame);
    const ms = (frame.total / 1000).toFixed(1);
    const share = ((100 * frame.total) / root.total).toFixed(2);
    const chars = Math.floor((width - 6) / CHAR_PX);
    const text = chars < 3 ? '' : name.length <= chars ? name : `${name.slice(0, chars - 1)}…`;
    svg.push(
      `<g><title>${escape(`${name}: ${ms} ms, ${share} % (${frame.layer})`)}</title>` +
        `<rect x="${x.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${ROW - 1}" fill="${color}"/>` +
        (text ? `<text x="${(x + 3).toFixed(1)}" y="${y + 11}">${escape(text)}</text>` : '') +
        `</g>`,
    );
    let childX = x;
    for (const child of frame.children) {
      draw(child, childX, level + 1);
      childX += child.total * scale;
    }
  };
  draw(root, 0, 0);
  return { svg, depth };
}

/** The SVG text of the flame view; `title` heads it. */
export function flameSvg(profile: CpuProfile, title: string): string {
  const root = callTree(profile);
  const top = 28 + Math.ceil(LAYER_NAMES.length / 4) * LEGEND_ROW + 8;
  const { svg, depth } = frames(root, top);
  const height = top + depth * ROW + 4;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Verdana, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="0" y="16" font-size="14">${escape(title)} (busy ${(root.total / 1000).toFixed(0)} ms; idle left out)</text>`,
    ...legend(layers(profile), root.total),
    ...svg,
    `</svg>`,
    '',
  ].join('\n');
}

/** Copies flame views into `dir` (emptied first); returns markdown images of them, as seen from dir's parent. */
export function publishFlames(files: string[], dir: string): string[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  return files.map((file) => {
    copyFileSync(file, join(dir, basename(file)));
    return `![${basename(file, '.svg')}](${basename(dir)}/${basename(file)})`;
  });
}
