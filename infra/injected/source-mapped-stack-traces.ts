/**
 * Imported first by every function's bundle (FUNCTION_BUNDLING.stackTraces): stack traces name the
 * TypeScript sources, as `--enable-source-maps` would make them, but a bundle's source map is read
 * when a trace is first written, not when the bundle loads. Under the flag Node reads and parses the
 * whole map at every cold start, whether an error ever comes or not: 20-25 ms of a 70-100 ms cold
 * import here (docs/performance.md). Node's own SourceMap class decodes the map; the frames are
 * written as Node writes them under the flag (lib/internal/source_map/prepare_stack_trace.js).
 */
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload, type SourceOrigin } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Each script's source map by its URL, or null when it has none (a built-in, or a file without a map beside it). */
const sourceMaps = new Map<string, { map: SourceMap; url: string } | null>();

function sourceMapOf(scriptUrl: string): { map: SourceMap; url: string } | null {
  const known = sourceMaps.get(scriptUrl);
  if (known !== undefined) return known;
  let found: { map: SourceMap; url: string } | null = null;
  if (scriptUrl.startsWith('file:')) {
    // Every bundle is written with its map beside it, under the same name and `.map` (infra/function-bundling.ts).
    const url = `${scriptUrl}.map`;
    try {
      found = { map: new SourceMap(JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as SourceMapPayload), url };
    } catch {
      found = null;
    }
  }
  sourceMaps.set(scriptUrl, found);
  return found;
}

function originAt(map: SourceMap, line: number | null, column: number | null): Partial<SourceOrigin> {
  return line === null || column === null ? {} : map.findOrigin(line, column);
}

/** One frame, mapped to its source when the script has a map: as Node writes it, `name (path:line:column)`. */
function frame(site: NodeJS.CallSite): string {
  const script = site.getFileName();
  const sourceMap = script ? sourceMapOf(script) : null;
  if (!sourceMap) return String(site);
  const origin = originAt(sourceMap.map, site.getLineNumber(), site.getColumnNumber());
  if (origin.fileName === undefined || origin.lineNumber === undefined || origin.columnNumber === undefined) return String(site);
  // The minifiers renamed the functions: the map names the one the frame is in by where it starts.
  const sourceName = originAt(sourceMap.map, site.getEnclosingLineNumber(), site.getEnclosingColumnNumber()).name;
  const typeName = site.getTypeName();
  const generatedName = `${typeName !== null && typeName !== 'global' ? `${typeName}.` : ''}${site.getFunctionName() ?? site.getMethodName() ?? '<anonymous>'}`;
  const source = new URL(origin.fileName, sourceMap.url);
  const location = `${source.protocol === 'file:' ? fileURLToPath(source) : source.href}:${origin.lineNumber}:${origin.columnNumber}`;
  return `${site.isAsync() ? 'async ' : ''}${sourceName || generatedName} (${location})`;
}

function heading(error: unknown): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return 'Error';
  }
}

Error.prepareStackTrace = (error: Error, sites: NodeJS.CallSite[]): string => [heading(error), ...sites.map((site) => `    at ${frame(site)}`)].join('\n');
