import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleForLocalRuntime } from '../infra/function-bundling';
import type { FunctionSpec } from '../manifest/types';

/** Where a function's worker starts, and the module whose `handler` it runs. */
export interface FunctionBundles {
  readonly workerUrl: URL;
  entryUrlOf(fn: FunctionSpec): string;
}

const FOLDER_PREFIX = 'leadflow-functions-';
const WORKER_SOURCE = fileURLToPath(new URL('./function-worker.ts', import.meta.url));

/**
 * Bundles every function, and the worker that runs one (local/function-worker.ts), as deploy bundles
 * them (infra/function-bundling.ts), into a folder of its own until `remove`. A worker then loads
 * JavaScript: one loaded its function from the TypeScript sources through tsx's loader at 1.5-1.7 s of
 * CPU, and loads its bundle at 0.15-0.25 s, for a build of a few seconds for all of them
 * (docs/performance.md, "The local runtime runs the functions' bundles"). The worker and the handler
 * share the chunks of the SDK they both import, so the local checks the worker installs on the
 * DynamoDB client (its grants, its consumed capacity) reach the client the handler makes.
 */
export async function bundleFunctions(functions: readonly FunctionSpec[], root: string): Promise<FunctionBundles & { remove(): Promise<void> }> {
  await removeFoldersOfEndedProcesses();
  const outdir = await mkdtemp(join(tmpdir(), `${FOLDER_PREFIX}${process.pid}-`));
  try {
    await bundleForLocalRuntime({ worker: WORKER_SOURCE, ...Object.fromEntries(functions.map((fn) => [`functions/${fn.name}`, resolve(root, fn.entry)])) }, outdir);
  } catch (error) {
    await rm(outdir, { recursive: true, force: true });
    throw error;
  }
  return {
    workerUrl: pathToFileURL(join(outdir, 'worker.mjs')),
    entryUrlOf: (fn) => pathToFileURL(join(outdir, 'functions', `${fn.name}.mjs`)).href,
    remove: () => rm(outdir, { recursive: true, force: true }),
  };
}

/** A stack ended by `kill -9` could not remove its bundles: the next start does. */
async function removeFoldersOfEndedProcesses(): Promise<void> {
  const folders = (await readdir(tmpdir())).filter((name) => name.startsWith(FOLDER_PREFIX));
  await Promise.all(
    folders.map(async (name) => {
      const pid = Number(name.slice(FOLDER_PREFIX.length).split('-')[0]);
      if (Number.isInteger(pid) && !isRunning(pid)) await rm(join(tmpdir(), name), { recursive: true, force: true });
    }),
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
