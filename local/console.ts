import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeLeftByEndedProcesses } from './processes';

/** Where the console's sources are and where `npm run build:console` writes it. */
export const CONSOLE_SOURCE = fileURLToPath(new URL('../web/console', import.meta.url));
export const CONSOLE_BUILD = join(CONSOLE_SOURCE, 'dist');
/** The path the console is served under, beside the API (same origin: the admin routes need no CORS). */
export const CONSOLE_PATH = '/console/';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What the console's bundle is built from: its own folder, the route declarations, schemas and domain it imports, and the starter journeys it offers. */
const INPUTS = ['web/console', 'functions', 'src/api', 'src/domain', 'src/http', 'journeys'];

function newestChange(folder: string): number {
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (!entry.isFile() || path.startsWith(CONSOLE_BUILD) || path.includes(`${sep}node_modules${sep}`)) continue;
    newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Whether the build is missing or older than a file it is built from. */
export function consoleBuildIsStale(): boolean {
  const built = join(CONSOLE_BUILD, 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return INPUTS.some((folder) => newestChange(join(ROOT, folder)) > builtAt);
}

/**
 * Builds the console with Vite (as `npm run build:console` does) into a folder of its own, then puts
 * it in place: two processes building at once (`npm start` and a test) never mix their files, and the
 * one that finishes second leaves the first's equally fresh build.
 */
export async function buildConsole(): Promise<void> {
  const { build } = await import('vite');
  const staging = `${CONSOLE_BUILD}.${process.pid}.tmp`;
  await build({ configFile: join(CONSOLE_SOURCE, 'vite.config.ts'), logLevel: 'warn', build: { outDir: staging, emptyOutDir: true } });
  rmSync(CONSOLE_BUILD, { recursive: true, force: true });
  try {
    renameSync(staging, CONSOLE_BUILD);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    rmSync(staging, { recursive: true, force: true });
  }
}

/** A build's own folder until it is put in place: `dist.<pid>.tmp`. */
const STAGING = /^dist\.(\d+)\.tmp$/;

/** Removes the folders of builds whose process ended before putting them in place (a kill -9 of `npm start` mid-build). */
export const removeAbandonedBuilds = () => removeLeftByEndedProcesses(CONSOLE_SOURCE, (name) => STAGING.exec(name)?.[1]);

/** Builds the console when it is missing or out of date; true when it built. */
export async function ensureConsoleBuilt(): Promise<boolean> {
  removeAbandonedBuilds();
  if (!consoleBuildIsStale()) return false;
  await buildConsole();
  return true;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** As CloudFront's response headers policy sends them in AWS: the app, its API on the same origin, nothing else. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * Serves the built console under /console/: its files (hashed assets cached for a year), a
 * `config.json` naming this API and development sign-in, and index.html for every other path under
 * it, so the app's own routes (`/console/leads/<id>`) load on a reload. Answers 503 with the command
 * to run while there is no build.
 */
export async function serveConsole(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
  const send = (status: number, headers: Record<string, string>, body: string | Buffer) => {
    response.writeHead(status, { ...SECURITY_HEADERS, ...headers });
    response.end(request.method === 'HEAD' ? undefined : body);
  };
  if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }, 'Method Not Allowed');
  if (path === CONSOLE_PATH.slice(0, -1)) return send(308, { location: CONSOLE_PATH }, '');
  const inside = path.slice(CONSOLE_PATH.length);
  if (inside === 'config.json') {
    const config = { apiUrl: `http://${request.headers.host ?? '127.0.0.1'}`, auth: { kind: 'development' } };
    return send(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }, JSON.stringify(config));
  }
  const index = join(CONSOLE_BUILD, 'index.html');
  if (!existsSync(index)) return send(503, { 'content-type': 'text/plain; charset=utf-8' }, 'The console is not built: run `npm run build:console` (npm start builds it).');
  const file = normalize(join(CONSOLE_BUILD, decodeURIComponent(inside)));
  const isAsset = file.startsWith(CONSOLE_BUILD + sep) && extname(file) !== '' && existsSync(file) && statSync(file).isFile();
  if (isAsset) {
    const immutable = file.startsWith(join(CONSOLE_BUILD, 'assets') + sep);
    return send(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache' }, await readFile(file));
  }
  // A missing file with an extension is a 404, not the app: a stale asset name must not load HTML as script.
  if (extname(inside) !== '') return send(404, { 'content-type': 'text/plain' }, 'Not Found');
  return send(200, { 'content-type': TYPES['.html'] ?? 'text/html', 'cache-control': 'no-cache' }, await readFile(index));
}
