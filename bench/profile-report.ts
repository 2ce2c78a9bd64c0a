/** bench:profile's tables by layer and docs/profile.md. */
import { cpus } from 'node:os';
import { IDLE, LAYER_NAMES, PROFILER } from './cpu-layers';
import { EndToEndLoad } from './e2e-load';
import { ACCEPT_SECONDS, CONNECTIONS, E2E_MAILS, E2E_RUNS, WARMUP_SECONDS } from './load';

export interface Profiled {
  name: string;
  /** CPU µs per request or per mail, by layer. */
  perUnit: Map<string, number>;
}

const busy = (r: Profiled): number =>
  [...r.perUnit].reduce(
    (sum, [layer, us]) => (layer === IDLE || layer === PROFILER ? sum : sum + us),
    0,
  );

/** A markdown table: a header row, `before` rows, one row per layer, the busy total and idle. */
export function layerTable(header: string, results: Profiled[], before: string[][]): string {
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

export function e2eRows(results: (Profiled & { load: EndToEndLoad })[]): string[][] {
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
    row(`machine: cores busy on average (of ${cpus().length}; all processes)`, (l) =>
      l.machineCores.toFixed(2),
    ),
  ];
}

/** docs/profile.md around the two tables; `profiles` is where the .cpuprofile files are. */
export const profileDoc = (acceptTable: string, e2eTable: string, profiles: string): string =>
  `# Where the CPU goes: accept path and end to end\n\nMeasured with \`npm run bench:profile\` on ${new Date().toISOString().slice(0, 10)}: ` +
  `each server in its default start (ROLE=all: today one process that serves HTTP and sends, so its worker's ` +
  `sends are in both profiles), V8's sampling profiler on that process's main thread. A sample counts for the ` +
  `innermost package (or app code) on its stack, so Node's own code and native calls count for their caller. ` +
  `Only the started process is profiled: a default start that runs its API and worker as child processes would ` +
  `need ROLE=api and ROLE=worker profiled instead.\n\n` +
  `## Accept path\n\nautocannon, ${CONNECTIONS} connections, the bench's body, ${ACCEPT_SECONDS} s profiled after a ${WARMUP_SECONDS} s warm-up.\n\n${acceptTable}\n\n` +
  `## End to end\n\n${E2E_RUNS} bursts of ${E2E_MAILS} POSTs (${CONNECTIONS} connections) profiled after a warm-up burst, each server alone; ` +
  `a burst ends when its last mail reached the sink.\n\n${e2eTable}\n\n` +
  `## Flame graphs\n\nNot kept in the repository: every run leaves each profile in \`${profiles}/\`, named ` +
  `after the server and the load (\`service-accept\`, \`baseline-e2e\`, …), as a \`.cpuprofile\` (Chrome ` +
  `DevTools' Performance panel and speedscope open it) and as a flame graph that \`0x\` draws from it ` +
  `(\`.html\`, one self-contained page: hover a frame for its share, click to zoom in, search by name, show ` +
  `or hide the app, its dependencies and Node's core; V8's idle and GC frames are left out, the tables above ` +
  `count them).\n\n` +
  `What the layers mean and what follows from them: [performance.md](performance.md).\n`;
