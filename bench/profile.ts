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
import { CpuProfile, layers } from './cpu-layers';
import { EndToEndLoad, endToEndLoad } from './e2e-load';
import { Profiled, e2eRows, layerTable, profileDoc } from './profile-report';
import { ACCEPT_SECONDS, WARMUP_SECONDS, burst, post } from './load';
import { Rig, runBench, withTarget } from './rig';
import { Running } from './launch';
import { BASELINE, NEST_FLOOR, ROOT, SERVICE, Target } from './targets';

const DIR = join(__dirname, 'profiles');
const PRELOAD = join(__dirname, 'cpu-profile.preload.js');

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
  writeFileSync(
    join(ROOT, 'docs', 'profile.md'),
    profileDoc(acceptTable, e2eTable, relative(ROOT, DIR)),
  );
}

runBench('profile', main);
