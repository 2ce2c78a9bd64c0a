/**
 * npm run bench:profile: where the CPU goes. The accept path of the service, the baseline and
 * the Nest floor under the bench's accept load (32 connections, seed body), then the service
 * and the baseline end to end (bursts of 2,000 mails). Each server runs with
 * bench/cpu-profile.preload.js, which profiles only the measured part. Prints CPU
 * microseconds per request (per mail) by layer and writes them to docs/profile.md. Leaves in
 * bench/profiles/ each profile as a .cpuprofile (Chrome DevTools and speedscope open it) and
 * as a flame graph that 0x draws from it (a self-contained .html).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CpuProfile, IDLE, LAYER_NAMES, PROFILER, layers } from './cpu-layers';
import { EndToEndLoad, endToEndLoad } from './e2e-load';
import {
  ACCEPT_SECONDS,
  CONNECTIONS,
  E2E_MAILS,
  E2E_RUNS,
  WARMUP_SECONDS,
  burst,
  post,
} from './load';
import { Rig, runBench, withTarget } from './rig';
import { Running } from './launch';
import { BASELINE, NEST_FLOOR, ROOT, SERVICE, Target } from './targets';

const DIR = join(__dirname, 'profiles');
const PRELOAD = join(__dirname, 'cpu-profile.preload.js');

interface Profiled {
  name: string;
  /** CPU µs per request or per mail, by layer. */
  perUnit: Map<string, number>;
}

interface Load<T extends { units: number }> {
  label: string;
  warmUp(running: Running): Promise<void>;
  measure(running: Running): Promise<T>;
}

async function fileAppears(path: string): Promise<void> {
  for (let i = 0; i < 300 && !existsSync(path); i++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  if (!existsSync(path)) throw new Error(`no profile at ${path}`);
}

/** Starts `target` with the preload, profiles `load.measure` (after its warm-up) and splits the profile by layer. */
async function underProfiler<T extends { units: number }>(
  target: Target,
  rig: Rig,
  load: Load<T>,
): Promise<Profiled & { load: T }> {
  const path = join(DIR, `${target.name.replace(' ', '-')}-${load.label}.cpuprofile`);
  const profiled: Target = {
    ...target,
    command: ['-r', PRELOAD, ...target.command],
    env: { ...target.env, CPU_PROFILE_PATH: path },
  };
  const measured = await withTarget(rig, profiled, {}, async (running) => {
    await load.warmUp(running);
    running.child.kill('SIGUSR2');
    const result = await load.measure(running);
    running.child.kill('SIGUSR2');
    await fileAppears(path);
    return result;
  });
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  drawFlameGraph(path, `${target.name}, ${load.label}`);
  const perUnit = new Map([...layers(profile)].map(([layer, us]) => [layer, us / measured.units]));
  return { name: target.name, perUnit, load: measured };
}

/** 0x's flame graph of a .cpuprofile, beside it as a self-contained .html. */
function drawFlameGraph(cpuprofile: string, title: string): void {
  const html = cpuprofile.replace(/\.cpuprofile$/, '.html');
  const cli = require.resolve('0x/cmd.js');
  const args = ['--visualize-cpu-profile', cpuprofile, '--output-html', html, '--title', title];
  execFileSync(process.execPath, [cli, ...args, '--quiet'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const acceptLoad: Load<{ units: number; rps: number }> = {
  label: 'accept',
  warmUp: async ({ url }) => void (await post(url, { duration: WARMUP_SECONDS })),
  measure: async ({ url }) => {
    const { requests } = await post(url, { duration: ACCEPT_SECONDS });
    return { units: requests.total, rps: requests.total / ACCEPT_SECONDS };
  },
};

const e2eLoad = (sink: Rig['sink']): Load<EndToEndLoad & { units: number }> => ({
  label: 'e2e',
  warmUp: async ({ url }) => void (await burst(url, sink)),
  measure: async (running) => {
    const load = await endToEndLoad(running, sink);
    return { ...load, units: load.mails };
  },
});

const busy = (r: Profiled): number =>
  [...r.perUnit].reduce(
    (sum, [layer, us]) => (layer === IDLE || layer === PROFILER ? sum : sum + us),
    0,
  );

/** A markdown table: a header row, `before` rows, one row per layer, the busy total and idle. */
function layerTable(header: string, results: Profiled[], before: string[][]): string {
  const cell = (r: Profiled, layer: string): string =>
    String(Math.round(r.perUnit.get(layer) ?? 0));
  const rows = [
    [header, ...results.map((r) => r.name)],
    ...before,
    ...LAYER_NAMES.map((layer) => [layer, ...results.map((r) => cell(r, layer))]),
    ['**total busy**', ...results.map((r) => `**${Math.round(busy(r))}**`)],
    ['idle', ...results.map((r) => cell(r, IDLE))],
  ];
  const line = (row: string[]): string => `| ${row.join(' | ')} |`;
  return [line(rows[0]), `|${' --- |'.repeat(rows[0].length)}`, ...rows.slice(1).map(line)].join(
    '\n',
  );
}

function e2eRows(results: (Profiled & { load: EndToEndLoad })[]): string[][] {
  const row = (label: string, value: (l: EndToEndLoad) => string): string[] => [
    label,
    ...results.map((r) => value(r.load)),
  ];
  const rate = ({ mails, seconds }: { mails: number; seconds: number }): string =>
    `${Math.round(mails / seconds)} (${mails} in ${seconds.toFixed(1)} s)`;
  return [
    row('mails/s while profiled', (l) =>
      String(Math.round(l.mails / (l.whilePosting.seconds + l.afterPosting.seconds))),
    ),
    row('mails/s reaching the sink while POSTs were answered', (l) => rate(l.whilePosting)),
    row('mails/s reaching the sink after the last answer', (l) => rate(l.afterPosting)),
    row("CPU µs per mail, all processes (GC helpers and the profiler's own thread too)", (l) =>
      String(Math.round(l.processUs)),
    ),
    row('CPU µs per mail, main thread (from /proc)', (l) => String(Math.round(l.mainThreadUs))),
    row('machine: cores busy on average (of 2; all processes)', (l) => l.machineCores.toFixed(2)),
  ];
}

async function main(rig: Rig): Promise<void> {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR);
  const accepted = [];
  for (const target of [SERVICE, BASELINE, NEST_FLOOR]) {
    process.stderr.write(`profiling the accept path: ${target.name}\n`);
    accepted.push(await underProfiler(target, rig, acceptLoad));
  }
  const delivered = [];
  for (const target of [SERVICE, BASELINE]) {
    process.stderr.write(`profiling end to end: ${target.name}\n`);
    delivered.push(await underProfiler(target, rig, e2eLoad(rig.sink)));
  }
  const acceptTable = layerTable('CPU µs per request (main thread)', accepted, [
    ['requests/s while profiled', ...accepted.map((r) => String(Math.round(r.load.rps)))],
  ]);
  const e2eTable = layerTable('CPU µs per mail (main thread)', delivered, e2eRows(delivered));
  process.stdout.write(`\n${acceptTable}\n\n${e2eTable}\n`);
  const profiles = relative(ROOT, DIR);
  writeFileSync(
    join(ROOT, 'docs', 'profile.md'),
    `# Where the CPU goes: accept path and end to end\n\nMeasured with \`npm run bench:profile\` on ${new Date().toISOString().slice(0, 10)}: ` +
      `each server as \`npm run bench\` starts it, V8's sampling profiler on the main thread. A sample counts for the ` +
      `innermost package (or app code) on its stack, so Node's own code and native calls count for their caller. The ` +
      `service runs with ROLE=all, so its worker's sends are in both profiles.\n\n` +
      `## Accept path\n\nautocannon, ${CONNECTIONS} connections, the bench's body, ${ACCEPT_SECONDS} s profiled after a ${WARMUP_SECONDS} s warm-up.\n\n${acceptTable}\n\n` +
      `## End to end\n\n${E2E_RUNS} bursts of ${E2E_MAILS} POSTs (${CONNECTIONS} connections) profiled after a warm-up burst, each server alone; ` +
      `a burst ends when its last mail reached the sink.\n\n${e2eTable}\n\n` +
      `## Flame graphs\n\nNot kept in the repository: every run leaves each profile in \`${profiles}/\`, named ` +
      `after the server and the load (\`service-accept\`, \`baseline-e2e\`, …), as a \`.cpuprofile\` (Chrome ` +
      `DevTools' Performance panel and speedscope open it) and as a flame graph that \`0x\` draws from it ` +
      `(\`.html\`, one self-contained page: hover a frame for its share, click to zoom in, search by name, show ` +
      `or hide the app, its dependencies and Node's core; V8's idle and GC frames are left out, the tables above ` +
      `count them).\n\n` +
      `What the layers mean and what follows from them: [performance.md](performance.md).\n`,
  );
}

runBench('profile', main);
