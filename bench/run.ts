/**
 * npm run bench: the service against a hand-written baseline (bench/baseline.ts) and the
 * ceiling (raw Bull adds; nodemailer's pool straight into the sink), measured in one run on a
 * private redis-server and a counting SMTP sink. Prints a table, writes bench/results.json
 * and docs/benchmarks.md.
 */
import autocannon from 'autocannon';
import Bull from 'bull';
import Redis from 'ioredis';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { TestRedis, freePort } from '../test/support/redis';
import { CountingSink } from './sink';

const ROOT = join(__dirname, '..');
const CONNECTIONS = 32;
const ACCEPT_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const E2E_MAILS = 2000;
const E2E_RUNS = 3;
const KEY = 'bench-key-0123456789abcdef';
const BODY = JSON.stringify({
  email_to: 'ann@example.com',
  email_from: 'Shop <no-reply@shop.example>',
  subject: 'Benchmark',
  message: { text: 'plain body', html: '<p>html body</p>' },
});

interface Figures {
  acceptRps: number;
  p50: number;
  p99: number;
  errors: number;
  e2eMailsPerSecond: number;
  rssMb: number[];
}

const progress = (line: string): void => void process.stderr.write(`\r\x1b[2K${line}`);

async function waitHttp(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(url).then(
        (r) => r.status < 500,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never answered`);
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return Math.round(kb / 1024);
}

type Target = { name: string; start: (env: Record<string, string>) => ChildProcess };

const SERVICE: Target = {
  name: 'service',
  start: (env) =>
    spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
      env: {
        PATH: process.env.PATH,
        API_KEYS: `bench:${KEY}`,
        RATE_LIMIT_PER_MINUTE: '0',
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: 'ignore',
    }),
};

const BASELINE: Target = {
  name: 'baseline',
  start: (env) =>
    spawn(
      process.execPath,
      [require.resolve('ts-node/dist/bin'), '--transpile-only', join(__dirname, 'baseline.ts')],
      {
        env: { PATH: process.env.PATH, ...env },
        stdio: 'ignore',
      },
    ),
};

async function measure(target: Target, redis: TestRedis, sink: CountingSink): Promise<Figures> {
  const flush = async (): Promise<void> => {
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
  };
  const run = async <T>(what: (url: string, child: ChildProcess) => Promise<T>): Promise<T> => {
    await flush();
    const port = await freePort();
    const child = target.start({
      PORT: String(port),
      REDIS_URL: redis.url,
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitHttp(`${url}/send-email`);
      return await what(url, child);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  };
  const request = {
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', 'x-api-key': KEY },
    body: BODY,
  };

  progress(`${target.name}: accept path, ${CONNECTIONS} connections, ${ACCEPT_SECONDS} s`);
  const accept = await run((url) =>
    autocannon({
      url: `${url}/send-email`,
      connections: CONNECTIONS,
      duration: ACCEPT_SECONDS,
      ...request,
    }),
  );

  const rss: number[] = [];
  let e2e = 0;
  await run(async (url, child) => {
    for (let i = 0; i < E2E_RUNS; i++) {
      progress(`${target.name}: end to end, run ${i + 1} of ${E2E_RUNS}, ${E2E_MAILS} mails`);
      const start = Date.now();
      const goal = sink.count + E2E_MAILS;
      await autocannon({
        url: `${url}/send-email`,
        connections: CONNECTIONS,
        amount: E2E_MAILS,
        ...request,
      });
      await sink.reached(goal);
      const rate = E2E_MAILS / ((Date.now() - start) / 1000);
      if (i === 0) e2e = rate;
      rss.push(rssMb(child.pid!));
    }
  });
  return {
    acceptRps: Math.round(accept.requests.average),
    p50: accept.latency.p50,
    p99: accept.latency.p99,
    errors: accept.non2xx + accept.errors,
    e2eMailsPerSecond: Math.round(e2e),
    rssMb: rss,
  };
}

async function ceiling(
  redis: TestRedis,
  sink: CountingSink,
): Promise<{ addsPerSecond: number; mailsPerSecond: number }> {
  progress(`ceiling: raw queue.add, ${CONNECTIONS} at a time, ${ACCEPT_SECONDS} s`);
  const queue = new Bull('ceiling', redis.url);
  let adds = 0;
  const until = Date.now() + ACCEPT_SECONDS * 1000;
  const mail = JSON.parse(BODY) as object;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        await queue.add(mail);
        adds++;
      }
    }),
  );
  await queue.close();
  progress(`ceiling: nodemailer pool straight into the sink, ${E2E_MAILS} mails`);
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: sink.port,
    pool: true,
    maxConnections: 4,
    secure: false,
  } as never);
  const start = Date.now();
  const goal = sink.count + E2E_MAILS;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next++ < E2E_MAILS)
        await transport.sendMail({
          from: 'no-reply@shop.example',
          to: 'ann@example.com',
          subject: 'Benchmark',
          text: 'plain body',
          html: '<p>html body</p>',
        });
    }),
  );
  await sink.reached(goal);
  transport.close();
  return {
    addsPerSecond: Math.round(adds / ACCEPT_SECONDS),
    mailsPerSecond: Math.round(E2E_MAILS / ((Date.now() - start) / 1000)),
  };
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

/** The targets the service is held to, checked against this run's figures. */
function targets(service: Figures, baseline: Figures): string {
  const rows: [string, boolean][] = [
    ['accept throughput ≥ 1.0× the baseline', service.acceptRps >= baseline.acceptRps],
    ['accept p99 < 20 ms at 32 connections', service.p99 < 20],
    [
      'end-to-end delivery ≥ 1.5× the baseline',
      service.e2eMailsPerSecond >= 1.5 * baseline.e2eMailsPerSecond,
    ],
    ['RSS after 2,000 mails < 150 MB', service.rssMb[0] < 150],
    ['no RSS growth across three runs (within 10 %)', service.rssMb[2] <= service.rssMb[0] * 1.1],
  ];
  return rows.map(([what, met]) => `- ${met ? 'met' : '**not met**'}: ${what}`).join('\n');
}

function table(
  service: Figures,
  baseline: Figures,
  top: { addsPerSecond: number; mailsPerSecond: number },
): string {
  const rows = [
    ['', 'service', 'baseline', 'ceiling', 'service/baseline', 'service/ceiling'],
    [
      'accept: requests/s (32 conn.)',
      service.acceptRps,
      baseline.acceptRps,
      top.addsPerSecond,
      ratio(service.acceptRps, baseline.acceptRps),
      ratio(service.acceptRps, top.addsPerSecond),
    ],
    ['accept: p50 latency (ms)', service.p50, baseline.p50, '', '', ''],
    ['accept: p99 latency (ms)', service.p99, baseline.p99, '', '', ''],
    ['accept: non-2xx or errors', service.errors, baseline.errors, '', '', ''],
    [
      `end to end: mails/s (${E2E_MAILS})`,
      service.e2eMailsPerSecond,
      baseline.e2eMailsPerSecond,
      top.mailsPerSecond,
      ratio(service.e2eMailsPerSecond, baseline.e2eMailsPerSecond),
      ratio(service.e2eMailsPerSecond, top.mailsPerSecond),
    ],
    [
      `RSS after each of ${E2E_RUNS} runs (MB)`,
      service.rssMb.join(' / '),
      baseline.rssMb.join(' / '),
      '',
      '',
      '',
    ],
  ];
  return rows
    .map((row) => `| ${row.join(' | ')} |`)
    .join('\n')
    .replace(/\n/, `\n|${' --- |'.repeat(rows[0].length)}\n`);
}

async function main(): Promise<void> {
  const redis = await TestRedis.start();
  const sink = new CountingSink(await freePort());
  await sink.listen();
  try {
    const service = await measure(SERVICE, redis, sink);
    const baseline = await measure(BASELINE, redis, sink);
    const top = await ceiling(redis, sink);
    progress('');
    const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
    const result = { date: new Date().toISOString(), machine, service, baseline, ceiling: top };
    const markdown = table(service, baseline, top);
    process.stdout.write(`\n${markdown}\n\n${machine}\n\n${targets(service, baseline)}\n`);
    writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(
      join(ROOT, 'docs', 'benchmarks.md'),
      `# Benchmarks\n\nMeasured with \`npm run bench\` on ${result.date.slice(0, 10)}: ${machine}.\n` +
        `Private redis-server, counting SMTP sink, seed-shaped text+HTML mail, logging on.\n\n${markdown}\n\n` +
        `- **baseline**: bench/baseline.ts, Express + Bull (defaults: one job at a time) + pooled nodemailer, no auth, validation, status records or logs.\n` +
        `- **ceiling**: raw \`queue.add()\` from ${CONNECTIONS} concurrent loops; nodemailer's pool (4 connections) straight into the sink.\n` +
        `- accept: autocannon, ${CONNECTIONS} connections, ${ACCEPT_SECONDS} s; end to end: time from the first POST until ${E2E_MAILS} mails reached the sink.\n` +
        `\n## Targets\n\n${targets(service, baseline)}\n`,
    );
  } finally {
    await sink.close();
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`\nbench failed: ${String(error)}\n`);
  process.exit(1);
});
