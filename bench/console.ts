import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chromium } from 'playwright-core';
import { buildConsole, CONSOLE_BUILD, CONSOLE_PATH } from '../local/console';
import type { LocalStack } from '../local/stack';
import * as keys from '../src/adapters/keys';

const CHROMIUM = '/usr/bin/chromium';
/** Cold loads of the leads page measured; the median is reported. */
const LOADS = 5;

interface ManifestChunk {
  readonly file: string;
  readonly src?: string;
  readonly isEntry?: boolean;
  readonly imports?: readonly string[];
  readonly css?: readonly string[];
}

/** The chunk and every chunk it imports statically, each once. */
function withImports(manifest: Readonly<Record<string, ManifestChunk>>, key: string, seen = new Set<string>()): Set<string> {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const imported of manifest[key]?.imports ?? []) withImports(manifest, imported, seen);
  return seen;
}

const kib = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;

/**
 * The console's JavaScript as a browser first fetches it to show the leads page: the entry chunk,
 * what it imports, and the leads page's own chunk (loaded lazily on the first render), in KiB raw,
 * gzipped and brotli-compressed; and all of the console's JavaScript for comparison.
 */
export async function consoleBundle() {
  await buildConsole();
  const manifest = JSON.parse(readFileSync(join(CONSOLE_BUILD, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const entry = Object.entries(manifest).find(([, chunk]) => chunk.isEntry)?.[0];
  const leadsPage = Object.keys(manifest).find((key) => key.endsWith('src/pages/leads.tsx'));
  if (!entry || !leadsPage) throw new Error('the console manifest has no entry or no leads page');
  const firstLoad = new Set([...withImports(manifest, entry), ...withImports(manifest, leadsPage)]);
  const sizes = (chunkKeys: Iterable<string>) => {
    const files = [...new Set([...chunkKeys].map((key) => manifest[key]?.file ?? ''))].filter((file) => file.endsWith('.js'));
    const contents = files.map((file) => readFileSync(join(CONSOLE_BUILD, file)));
    return {
      files: files.length,
      rawKiB: kib(contents.reduce((sum, content) => sum + content.length, 0)),
      gzipKiB: kib(contents.reduce((sum, content) => sum + gzipSync(content, { level: 9 }).length, 0)),
      brotliKiB: kib(contents.reduce((sum, content) => sum + brotliCompressSync(content).length, 0)),
    };
  };
  const first = sizes(firstLoad);
  const all = sizes(Object.keys(manifest));
  return {
    firstLoadJsFiles: first.files,
    firstLoadJsKiB: first.rawKiB,
    firstLoadJsGzipKiB: first.gzipKiB,
    firstLoadJsBrotliKiB: first.brotliKiB,
    allJsFiles: all.files,
    allJsGzipKiB: all.gzipKiB,
  };
}

/** `count` leads as the pipeline stores them (profile in the listing, score beside it), written 25 at a time. */
async function seedLeads(stack: LocalStack, count: number): Promise<number> {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb }));
  const at = '2026-11-01T00:00:00.000Z';
  const grades = ['A', 'B', 'C', 'D', 'F'] as const;
  const started = performance.now();
  const write = async (from: number, to: number) => {
    const items = [];
    for (let n = from; n < to; n += 1) {
      const id = randomUUID();
      const total = (n * 37) % 160;
      items.push(
        { ...keys.lead(id), ...keys.leadListing(id), entity: 'lead', id, email: `bench-${n}@example.com`, firstName: `Person${n}`, company: `Company ${n % 997}`, createdAt: at, updatedAt: at, firstTouch: { at, formId: 'bench' }, lastTouch: { at, formId: 'bench' }, subscriptions: {}, stage: total >= 100 ? 'mql' : 'lead', version: 1 },
        { ...keys.score(id), entity: 'score', version: 1, score: { rulesetVersion: 'starter-1', fit: total / 2, engagement: total / 2, engagementAt: at, eventCount: 3, grade: grades[n % 5], total, qualified: total >= 100, qualifications: total >= 100 ? 1 : 0, tallies: {} } },
      );
    }
    for (let index = 0; index < items.length; index += 25) {
      let pending = items.slice(index, index + 25).map((Item) => ({ PutRequest: { Item } }));
      while (pending.length) {
        const result = await documents.send(new BatchWriteCommand({ RequestItems: { [stack.settings.tableName]: pending } }));
        pending = (result.UnprocessedItems?.[stack.settings.tableName] ?? []) as typeof pending;
      }
    }
  };
  const PER_WRITER = 500;
  const WRITERS = 8;
  for (let start = 0; start < count; start += PER_WRITER * WRITERS) {
    await Promise.all(Array.from({ length: WRITERS }, (_, writer) => start + writer * PER_WRITER).filter((from) => from < count).map((from) => write(from, Math.min(from + PER_WRITER, count))));
  }
  return Math.round((performance.now() - started) / 100) / 10;
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/**
 * Time to first render of the leads page with `leads` leads on the local stack: a cold browser
 * context opens /console/leads (signed in) until the table shows its first 50 rows, median of LOADS;
 * and the list request alone, unfiltered and with a filter (stage mql and grade A, one read budget).
 */
export async function consoleFirstRender(stack: LocalStack, leads: number) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the console bench drives Chromium`);
  const seedSeconds = await seedLeads(stack, leads);
  const list = async (query: string) => {
    const started = performance.now();
    const response = await fetch(`${stack.apiUrl}/v1/admin/leads?${query}`, { headers: { authorization: `Bearer ${stack.devToken}` } });
    const body = (await response.json()) as { items: unknown[] };
    if (!response.ok || !Array.isArray(body.items)) throw new Error(`listLeads answered ${response.status}`);
    return performance.now() - started;
  };
  await list('limit=50');
  const listMs = median(await sequential(LOADS, () => list('limit=50')));
  const filteredListMs = median(await sequential(LOADS, () => list('limit=50&stage=mql&grade=A')));

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
  try {
    const load = async () => {
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
      // Signed in as the console's sign-in leaves the tab: the session in sessionStorage.
      await context.addInitScript((session) => {
        (globalThis as unknown as { sessionStorage: { setItem(key: string, value: string): void } }).sessionStorage.setItem('leadflow.session', JSON.stringify(session));
      }, { token: stack.devToken, user: 'bench', name: 'Bench', role: 'admin' });
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${stack.apiUrl}${CONSOLE_PATH}leads`);
      await page.locator('tbody tr').nth(49).waitFor({ timeout: 60_000 });
      const elapsed = performance.now() - started;
      await context.close();
      return elapsed;
    };
    await load();
    const firstRenderMs = median(await sequential(LOADS, load));
    return { leads, seedSeconds, leadsPageFirstRenderMs: Math.round(firstRenderMs), listLeadsMs: Math.round(listMs), listLeadsFilteredMs: Math.round(filteredListMs) };
  } finally {
    await browser.close();
  }
}

async function sequential(times: number, run: () => Promise<number>): Promise<number[]> {
  const results: number[] = [];
  for (let index = 0; index < times; index += 1) results.push(await run());
  return results;
}
