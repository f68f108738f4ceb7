import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleFunctions, type CachedFunctionBundles } from '../../local/function-bundles';
import type { FunctionSpec } from '../../manifest/types';
import { scheduledTestFunction } from './fixtures/test-functions';

/**
 * The local runtime's bundles are kept between starts in .leadflow/function-bundles under the root,
 * by the contents of what they were built from: unchanged sources are not built again, a change is,
 * and a build no running process holds is removed once out of date. Each case builds a function of
 * its own in a root of its own (the worker entry is built with it).
 */
const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

function projectWith(files: Record<string, string>): { root: string; write(path: string, text: string): void; fn: FunctionSpec } {
  const root = mkdtempSync(join(tmpdir(), 'leadflow-bundles-cache-'));
  roots.push(root);
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  Object.entries(files).forEach(([path, text]) => write(path, text));
  return { root, write, fn: scheduledTestFunction('say', 'say/handler.ts') };
}

async function said(bundles: CachedFunctionBundles, fn: FunctionSpec): Promise<string> {
  const module = (await import(bundles.entryUrlOf(fn))) as { handler(): string };
  return module.handler();
}

const folderOf = (bundles: CachedFunctionBundles, fn: FunctionSpec) => dirname(dirname(fileURLToPath(bundles.entryUrlOf(fn))));
const cacheOf = (root: string) => join(root, '.leadflow', 'function-bundles');

describe('bundles kept between starts', () => {
  it('runs the bundles of unchanged sources without building, builds a change, and removes what the change left behind', async () => {
    const { root, write, fn } = projectWith({ 'say/handler.ts': "import { word } from './word';\nexport const handler = () => word;\n", 'say/word.ts': "export const word = 'one';\n" });

    const first = await bundleFunctions([fn], root);
    expect(first.reused).toBe(false);
    expect(await said(first, fn)).toBe('one');
    await first.release();

    const again = await bundleFunctions([fn], root);
    expect(again.reused).toBe(true);
    expect(again.entryUrlOf(fn)).toBe(first.entryUrlOf(fn));
    await again.release();

    write('say/word.ts', "export const word = 'two';\n");
    const changed = await bundleFunctions([fn], root);
    expect(changed.reused).toBe(false);
    expect(await said(changed, fn)).toBe('two');
    expect(existsSync(folderOf(first, fn))).toBe(false);
    await changed.release();
  });

  it('keeps an out-of-date build while a running process holds it, and removes it once released', async () => {
    const { root, write, fn } = projectWith({ 'say/handler.ts': "export const handler = () => 'one';\n" });
    const running = await bundleFunctions([fn], root);
    write('say/handler.ts', "export const handler = () => 'two';\n");

    const next = await bundleFunctions([fn], root);
    expect(await said(next, fn)).toBe('two');
    expect(existsSync(folderOf(running, fn))).toBe(true);
    expect(await said(running, fn)).toBe('one');
    await next.release();

    await running.release();
    const after = await bundleFunctions([fn], root);
    expect(after.reused).toBe(true);
    expect(existsSync(folderOf(running, fn))).toBe(false);
    await after.release();
  });

  it('does not count a process ended by kill -9 as holding a build, removes the build it left half done, and builds of other functions unused for a week', async () => {
    const { root, write, fn } = projectWith({ 'say/handler.ts': "export const handler = () => 'one';\n" });
    const held = await bundleFunctions([fn], root);
    const folder = folderOf(held, fn);
    // What a killed start leaves: its lease beside the folder, and a build it had not renamed into place.
    const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(cacheOf(root), `${folder.split('/').at(-1)}.${ended}.killed.lease`), '');
    mkdirSync(join(cacheOf(root), `staging-${ended}-half`));
    await held.release();
    // Builds of other functions: one last used eight days ago, one today.
    const stale = join(cacheOf(root), '0123456789abcdef-0123456789abcdef');
    const recent = join(cacheOf(root), 'fedcba9876543210-fedcba9876543210');
    mkdirSync(stale);
    mkdirSync(recent);
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600_000);
    utimesSync(stale, eightDaysAgo, eightDaysAgo);

    write('say/handler.ts', "export const handler = () => 'two';\n");
    const next = await bundleFunctions([fn], root);
    expect(await said(next, fn)).toBe('two');
    expect(existsSync(folder)).toBe(false);
    expect(readdirSync(cacheOf(root)).filter((name) => name.includes(ended))).toEqual([]);
    expect([existsSync(stale), existsSync(recent)]).toEqual([false, true]);
    await next.release();
  });

  it('builds again when a file added beside an input changes what an import resolves to', async () => {
    const { root, write, fn } = projectWith({ 'say/handler.ts': "import { word } from './word';\nexport const handler = () => word;\n", 'say/word/index.ts': "export const word = 'folder';\n" });
    const first = await bundleFunctions([fn], root);
    expect(await said(first, fn)).toBe('folder');
    await first.release();

    write('say/word.ts', "export const word = 'file';\n");
    const next = await bundleFunctions([fn], root);
    expect(next.reused).toBe(false);
    expect(await said(next, fn)).toBe('file');
    await next.release();
  });
});

describe('a local stack kept to what it runs', () => {
  it('imports the local stack without the TypeScript compiler, which only a build of the functions needs', () => {
    // A process of its own, so that no other test file's imports are in its module cache.
    const loaded = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `await import('./local/stack.ts');
const { createRequire } = await import('node:module');
process.stdout.write(JSON.stringify(Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('/node_modules/typescript/'))));`,
      ],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8', timeout: 60_000 },
    );
    expect(loaded.status, loaded.stderr).toBe(0);
    expect(JSON.parse(loaded.stdout)).toEqual([]);
  });
});
