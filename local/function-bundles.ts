import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleForLocalRuntime, PROJECT_ROOT } from '../infra/function-bundling';
import type { FunctionSpec } from '../manifest/types';

/** Where a function's worker starts, and the module whose `handler` it runs. */
export interface FunctionBundles {
  readonly workerUrl: URL;
  entryUrlOf(fn: FunctionSpec): string;
}

/** Bundles kept for the next start, and whether this start built them or found them built. */
export interface CachedFunctionBundles extends FunctionBundles {
  readonly reused: boolean;
  /** Ends this process's use of the bundles, so a later start may remove them once they are out of date. */
  release(): Promise<void>;
}

/** In the project's own state folder (gitignored), beside DynamoDB Local's compiled launcher. */
const CACHE_FOLDER = '.leadflow/function-bundles';
const WORKER_SOURCE = fileURLToPath(new URL('./function-worker.ts', import.meta.url));

/**
 * What shapes a build without being one of the files it reads: the build's options and plugins, the
 * SDK modules they swap in (read by a plugin, so the metafile names the module replaced, not the
 * replacement), the compiler options, and the installed packages (their versions decide what a bare
 * import resolves to).
 */
const BUILD_DEFINITION = ['infra/function-bundling.ts', 'infra/bundle-plugins.ts', 'infra/sdk-replacements', 'tsconfig.json', 'package-lock.json'];

/**
 * Bundles every function, and the worker that runs one (local/function-worker.ts), as deploy bundles
 * them (infra/function-bundling.ts). A worker then loads JavaScript: one loaded its function from the
 * TypeScript sources through tsx's loader at 1.5-1.7 s of CPU, and loads its bundle at 0.15-0.25 s
 * (docs/performance.md, "The local runtime runs the functions' bundles"). The worker and the handler
 * share the chunks of the SDK they both import, so the local checks the worker installs on the
 * DynamoDB client (its grants, its consumed capacity) reach the client the handler makes.
 *
 * The build (5-13 s and as many seconds of CPU) is kept in .leadflow/function-bundles, in a folder
 * named by the contents of every file it read and of what defines it, so a start whose sources have
 * not changed since runs the same bundles without building: the test suite starts some twenty stacks,
 * and `npm start` starts again after a stop (docs/performance.md, "npm test: bundles kept between starts"). A
 * changed file names another folder, which is built; builds are renamed into place whole, so several
 * starts at once each build and the first rename wins. Older folders of the same functions are
 * removed by a later start once no running process holds them.
 */
export async function bundleFunctions(functions: readonly FunctionSpec[], root: string): Promise<CachedFunctionBundles> {
  const entryPoints: Record<string, string> = { worker: WORKER_SOURCE, ...Object.fromEntries(functions.map((fn) => [`functions/${fn.name}`, resolve(root, fn.entry)])) };
  const cache = join(root, CACHE_FOLDER);
  await mkdir(cache, { recursive: true });
  await removeStagingOfEndedProcesses(cache);
  const entriesKey = digest(JSON.stringify(Object.entries(entryPoints).sort())).slice(0, 16);
  const inputsFile = join(cache, `${entriesKey}.inputs.json`);
  const knownInputs = await readJson<string[]>(inputsFile);

  const knownFolder = knownInputs && `${entriesKey}-${await contentKey(knownInputs)}`;
  // Held before it is looked for, so a start removing out-of-date folders at the same moment keeps it.
  let held = knownFolder ? await lease(cache, knownFolder) : undefined;
  const reused = Boolean(knownFolder && existsSync(join(cache, knownFolder, 'worker.mjs')));
  let folder = knownFolder ?? '';
  if (!reused) {
    await held?.release();
    const staging = await mkdtemp(join(cache, `staging-${process.pid}-`));
    try {
      const inputs = Object.keys((await bundleForLocalRuntime(entryPoints, staging)).inputs).sort();
      folder = `${entriesKey}-${await contentKey(inputs)}`;
      held = await lease(cache, folder);
      await writeAtomically(cache, inputsFile, JSON.stringify(inputs));
      await rename(staging, join(cache, folder)).catch(async (error: NodeJS.ErrnoException) => {
        // Another start built the same sources first: its folder holds the same bundles.
        if (!existsSync(join(cache, folder, 'worker.mjs'))) throw error;
        await rm(staging, { recursive: true, force: true });
      });
    } catch (error) {
      await held?.release();
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
  }
  await removeOutOfDateFolders(cache, entriesKey, folder);
  const outdir = join(cache, folder);
  return {
    reused,
    workerUrl: pathToFileURL(join(outdir, 'worker.mjs')),
    entryUrlOf: (fn) => pathToFileURL(join(outdir, 'functions', `${fn.name}.mjs`)).href,
    release: () => held?.release() ?? Promise.resolve(),
  };
}

/** Well under the 256 open files a macOS shell allows by default. */
const FILES_READ_AT_ONCE = 64;

/** The contents of the files a build read (by esbuild's paths, relative to PROJECT_ROOT) and of what defines it; a file gone counts as a change. */
async function contentKey(inputs: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  const definition = (await Promise.all(BUILD_DEFINITION.map((path) => filesUnder(resolve(PROJECT_ROOT, path))))).flat();
  const files = [...inputs.filter((input) => !input.includes(':')).map((input) => resolve(PROJECT_ROOT, input)), ...definition];
  // Read some at a time: a file that could not be opened for want of descriptors would count as gone.
  for (let start = 0; start < files.length; start += FILES_READ_AT_ONCE) {
    const some = files.slice(start, start + FILES_READ_AT_ONCE);
    const contents = await Promise.all(some.map((file) => readFile(file).catch(() => undefined)));
    some.forEach((file, index) => hash.update(`${file}\0${contents[index] ? digest(contents[index]) : 'missing'}\0`));
  }
  // A file added beside an input can change what an import resolves to (`./x` to x.ts instead of x/index.ts).
  const folders = [...new Set(files.filter((file) => !file.includes(`${sep}node_modules${sep}`)).map((file) => dirname(file)))].sort();
  for (const folder of folders) hash.update(`${folder}\0${(await readdir(folder).catch(() => [])).sort().join('\0')}\0`);
  return hash.digest('hex').slice(0, 16);
}

async function filesUnder(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true, recursive: true }).catch(() => undefined);
  if (!entries) return [path];
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/**
 * A file naming this process beside a folder of bundles while it runs them. A process ended by
 * `kill -9` leaves its file; a start counts only files of running processes.
 */
async function lease(cache: string, folder: string): Promise<{ release(): Promise<void> }> {
  const file = join(cache, `${folder}.${process.pid}.${Math.random().toString(36).slice(2)}.lease`);
  await writeFile(file, '');
  // Touched on every use: the folder's age says when it last ran.
  await utimes(join(cache, folder), new Date(), new Date()).catch(() => {});
  return { release: () => rm(file, { force: true }) };
}

/** A build of other functions (a test's own manifest, a renamed function) unused this long is removed too. */
const UNUSED_FOR_MS = 7 * 24 * 3600_000;

/**
 * Folders that no running process holds, built from other sources for the same functions, or unused
 * for a week: removed, with the leases of ended processes.
 */
async function removeOutOfDateFolders(cache: string, entriesKey: string, current: string): Promise<void> {
  const names = await readdir(cache);
  const unusedSince = Date.now() - UNUSED_FOR_MS;
  const isUnused = async (name: string) => ((await stat(join(cache, name)).catch(() => undefined))?.mtimeMs ?? 0) < unusedSince;
  const leases = names.filter((name) => name.endsWith('.lease')).map((name) => ({ name, folder: name.split('.')[0], pid: Number(name.split('.')[1]) }));
  const ended = leases.filter((held) => !isRunning(held.pid));
  await Promise.all(ended.map((held) => rm(join(cache, held.name), { force: true })));
  const held = new Set(leases.filter((lease) => !ended.includes(lease)).map((lease) => lease.folder));
  const candidates = names.filter((name) => /^[0-9a-f]{16}-[0-9a-f]{16}$/.test(name) && name !== current && !held.has(name));
  const outOfDate = (await Promise.all(candidates.map(async (name) => (name.startsWith(`${entriesKey}-`) || (await isUnused(name)) ? [name] : [])))).flat();
  // Renamed away first, so no start ever finds a folder half removed under its name.
  await Promise.all(
    outOfDate.map(async (name) => {
      const removing = join(cache, `staging-${process.pid}-removing-${name}`);
      await rename(join(cache, name), removing).catch(() => {});
      await rm(removing, { recursive: true, force: true });
    }),
  );
}

/** A build or removal left by a process ended mid-way (`kill -9`). */
async function removeStagingOfEndedProcesses(cache: string): Promise<void> {
  const staging = (await readdir(cache)).filter((name) => name.startsWith('staging-'));
  await Promise.all(staging.filter((name) => !isRunning(Number(name.split('-')[1]))).map((name) => rm(join(cache, name), { recursive: true, force: true })));
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Written beside the cache under a staging name (removed if this process ends first), then renamed over `file`. */
async function writeAtomically(cache: string, file: string, text: string): Promise<void> {
  const partial = join(cache, `staging-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(partial, text);
  await rename(partial, file);
}

function digest(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
