/**
 * The servers the bench compares: the service exactly as `npm run start:prod` starts it,
 * every feature on; the hand-written baseline (bench/baseline.ts, compiled to JavaScript and
 * run with plain node); and the Nest floor, which only bench:profile uses.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';

export const ROOT = join(__dirname, '..');
export const KEY = 'bench-key-0123456789abcdef';
/** Parallel sends, the same for both: the service's default unless WORKER_CONCURRENCY says otherwise. */
export const WORKER_CONCURRENCY = process.env.WORKER_CONCURRENCY ?? '16';

export interface Target {
  name: 'service' | 'baseline' | 'nest floor';
  command: string[];
  env: Record<string, string>;
  /** Run once before the first start. */
  build?: () => void;
}

/** `node <flags> dist/main` from package.json's start:prod, run with this Node. */
function startProdArgs(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [node, ...args] = pkg.scripts['start:prod'].split(/\s+/);
  if (node !== 'node') throw new Error('start:prod must start with node');
  return args;
}

export const SERVICE: Target = {
  name: 'service',
  command: startProdArgs(),
  // Every feature on: API keys, validation, status records, info logs, metrics, and rate
  // limits at a budget no bench run reaches (0 would switch them off).
  env: { API_KEYS: `bench:${KEY}`, LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '1000000' },
};

const BASELINE_JS = join(ROOT, 'node_modules', '.cache', 'bench', 'baseline.js');

export const BASELINE: Target = {
  name: 'baseline',
  command: [BASELINE_JS],
  env: { API_KEYS: `bench:${KEY}` },
  build: () => {
    const source = readFileSync(join(__dirname, 'baseline.ts'), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2023,
        esModuleInterop: true,
      },
    });
    mkdirSync(dirname(BASELINE_JS), { recursive: true });
    writeFileSync(BASELINE_JS, outputText);
  },
};

export const NEST_FLOOR: Target = {
  name: 'nest floor',
  command: [
    require.resolve('ts-node/dist/bin'),
    '--transpile-only',
    join(__dirname, 'nest-floor.ts'),
  ],
  env: {},
};
