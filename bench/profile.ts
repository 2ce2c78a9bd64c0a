/**
 * npm run bench:profile: where the accept path's CPU goes, for the service, the baseline and
 * the Nest floor under the bench's accept load (32 connections, seed body). Each server runs
 * with bench/cpu-profile.preload.js, which profiles only the measured seconds. Prints CPU
 * microseconds per request by layer, writes docs/accept-profile.md, and leaves the raw
 * profiles in bench/profiles/ (open them in Chrome DevTools or speedscope for flame charts).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CpuProfile, IDLE, LAYER_NAMES, PROFILER, layers } from './cpu-layers';
import { ACCEPT_SECONDS, CONNECTIONS, WARMUP_SECONDS, post } from './measure';
import {
  BASELINE,
  NEST_FLOOR,
  ROOT,
  Rig,
  Running,
  SERVICE,
  Target,
  runBench,
  withTarget,
} from './targets';

const DIR = join(__dirname, 'profiles');
const PRELOAD = join(__dirname, 'cpu-profile.preload.js');

interface Profiled {
  name: string;
  requests: number;
  perRequest: Map<string, number>;
}

async function fileAppears(path: string): Promise<void> {
  for (let i = 0; i < 300 && !existsSync(path); i++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  if (!existsSync(path)) throw new Error(`no profile at ${path}`);
}

async function profile(target: Target, redisUrl: string, smtpPort: number): Promise<Profiled> {
  const path = join(DIR, `${target.name.replace(' ', '-')}.cpuprofile`);
  const profiled: Target = {
    ...target,
    command: ['-r', PRELOAD, ...target.command],
    env: { ...target.env, CPU_PROFILE_PATH: path },
  };
  const requests = await withTarget(
    profiled,
    redisUrl,
    smtpPort,
    async ({ url, child }: Running) => {
      await post(url, { duration: WARMUP_SECONDS });
      child.kill('SIGUSR2');
      const result = await post(url, { duration: ACCEPT_SECONDS });
      child.kill('SIGUSR2');
      await fileAppears(path);
      return result.requests.total;
    },
  );
  const totals = layers(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile);
  const perRequest = new Map([...totals].map(([layer, us]) => [layer, us / requests]));
  return { name: target.name, requests, perRequest };
}

function markdown(results: Profiled[]): string {
  const busy = (r: Profiled): number =>
    [...r.perRequest].reduce(
      (sum, [layer, us]) => (layer === IDLE || layer === PROFILER ? sum : sum + us),
      0,
    );
  const cell = (r: Profiled, layer: string): string =>
    String(Math.round(r.perRequest.get(layer) ?? 0));
  const rows = [
    ['CPU µs per request (main thread)', ...results.map((r) => r.name)],
    [
      'requests/s while profiled',
      ...results.map((r) => String(Math.round(r.requests / ACCEPT_SECONDS))),
    ],
    ...LAYER_NAMES.map((layer) => [layer, ...results.map((r) => cell(r, layer))]),
    ['**total busy**', ...results.map((r) => `**${Math.round(busy(r))}**`)],
    ['idle', ...results.map((r) => cell(r, IDLE))],
  ];
  const line = (row: string[]): string => `| ${row.join(' | ')} |`;
  return [line(rows[0]), `|${' --- |'.repeat(rows[0].length)}`, ...rows.slice(1).map(line)].join(
    '\n',
  );
}

async function main({ redis, sink }: Rig): Promise<void> {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR);
  const results: Profiled[] = [];
  for (const target of [SERVICE, BASELINE, NEST_FLOOR]) {
    process.stderr.write(`profiling ${target.name}\n`);
    results.push(await profile(target, redis.url, sink.port));
  }
  const table = markdown(results);
  process.stdout.write(`\n${table}\n`);
  writeFileSync(
    join(ROOT, 'docs', 'accept-profile.md'),
    `# Accept path: CPU per request by layer\n\nMeasured with \`npm run bench:profile\` on ${new Date().toISOString().slice(0, 10)}: ` +
      `each server as \`npm run bench\` starts it, under autocannon (${CONNECTIONS} connections, the bench's body, ` +
      `${ACCEPT_SECONDS} s profiled after a ${WARMUP_SECONDS} s warm-up), V8's sampling profiler on the main thread. ` +
      `A sample counts for the innermost package (or app code) on its stack, so Node's own code and native calls ` +
      `count for their caller. The service runs with ROLE=all, so its worker's sends during the round are in it.\n\n` +
      `${table}\n\nWhat the layers mean and what follows from them: [performance.md](performance.md).\n`,
  );
}

runBench('profile', main);
