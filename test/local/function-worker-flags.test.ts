import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withoutModuleLoaders } from '../../local/lambda';

/**
 * A local function's worker runs its bundle, which is JavaScript: the TypeScript loader `npm start`
 * and the bench run under (tsx) is not loaded again in each worker, and every other flag of the process
 * still reaches it.
 */
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The flags a local function's worker gets in a Node.js process started with `flags` and `--import tsx` (test/local/fixtures/worker-flags-probe.ts). */
function workerFlagsUnder(flags: readonly string[]): string[] {
  const child = spawnSync(process.execPath, [...flags, '--import', 'tsx', 'test/local/fixtures/worker-flags-probe.ts'], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout) as string[];
}

describe("a local function's worker", () => {
  it('takes the process flags but the module loaders, however they are written', () => {
    expect(withoutModuleLoaders(['--import', 'tsx', '--enable-source-maps'])).toEqual(['--enable-source-maps']);
    // The tsx command starts Node.js so.
    expect(withoutModuleLoaders(['--require', '/p/node_modules/tsx/dist/preflight.cjs', '--import', 'file:///p/node_modules/tsx/dist/loader.mjs', '--cpu-prof'])).toEqual(['--cpu-prof']);
    expect(withoutModuleLoaders(['--import=tsx', '-r', 'dotenv/config', '--loader', 'ts-node/esm', '--experimental-loader=x.mjs', '--conditions=development'])).toEqual(['--conditions=development']);
    expect(withoutModuleLoaders([])).toEqual([]);
  });

  it('is started without the TypeScript loader of npm start, with the flags besides it', () => {
    expect(workerFlagsUnder(['--trace-warnings'])).toEqual(['--trace-warnings']);
  });

  it('inherits the flags, loader included, when the process has one a worker may not be given', () => {
    expect(workerFlagsUnder(['--title=leadflow-flags-test'])).toEqual(['--title=leadflow-flags-test', '--import', 'tsx']);
  });
});
