import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { putItems } from './put-items';
import { chromium } from 'playwright-core';
import { buildConsole, CONSOLE_BUILD, CONSOLE_PATH } from '../local/console';
import type { LocalStack } from '../local/stack';
import * as keys from '../src/adapters/keys';
import { storedScore } from '../src/adapters/score-items';
import { bandKey, bandOf } from '../src/domain/score-order';
import { apply, scoreCeiling, type ScoreState } from '../src/domain/scoring/engine';
import { starterRuleset } from '../src/domain/scoring/starter-ruleset';

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

const BENCH_PROFILES = [
  { role: 'VP Marketing', industry: 'SaaS', teamSize: 120, budget: 50_000, country: 'ID' },
  { role: 'Director of Sales', industry: 'Fintech', teamSize: 40, budget: 5_000, country: 'GB' },
  { role: 'Analyst', industry: 'Retail', teamSize: 15, country: 'US' },
  { role: 'Intern', industry: 'Education', teamSize: 3, budget: 100, country: 'BR' },
];
const BENCH_PAGES = ['/pricing', '/demo', '/features/scoring', '/blog/post'];
const DAY_MS = 86_400_000;

/**
 * Score states as the scorer writes them, from a few page views, downloads and webinars at different
 * ages (0-180 days before the seeded time), so scores have decayed by different amounts: what the list
 * sorted by score has to read past. Each is kept with its band, as a score write files it.
 */
function benchScores(at: string) {
  return Array.from({ length: 240 }, (_, template) => {
    const profile = BENCH_PROFILES[template % BENCH_PROFILES.length] as (typeof BENCH_PROFILES)[number];
    const newest = Date.parse(at) - ((template * 13) % 180) * DAY_MS;
    let state: ScoreState | undefined;
    for (let n = 0; n <= template % 9; n += 1) {
      const type = n % 4 === 3 ? 'content_download' : n % 7 === 6 ? 'webinar_registration' : 'page_view';
      const event = { id: `bench-${template}-${n}`, type, occurredAt: new Date(newest - n * 2 * DAY_MS).toISOString(), properties: type === 'page_view' ? { url: `https://example.com${BENCH_PAGES[(template + n) % BENCH_PAGES.length]}` } : {} };
      state = apply(state, { event, lead: profile }, starterRuleset).state;
    }
    const score = state as ScoreState;
    return { profile, score, band: bandOf(scoreCeiling(score, { ...profile, subscriptions: {}, attributes: {} }, starterRuleset)) };
  });
}

/** `count` leads as the pipeline stores them (profile in the listing, score beside it filed under its band), written 25 at a time. */
async function seedLeads(stack: LocalStack, count: number): Promise<number> {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb }));
  const at = new Date().toISOString();
  const scores = benchScores(at);
  const started = performance.now();
  const write = async (from: number, to: number) => {
    const items = [];
    for (let n = from; n < to; n += 1) {
      const id = randomUUID();
      const { profile, score, band } = scores[n % scores.length] as ReturnType<typeof benchScores>[number];
      items.push(
        { ...keys.lead(id), ...keys.leadListing(id), entity: 'lead', id, email: `bench-${n}@example.com`, firstName: `Person${n}`, company: `Company ${n % 997}`, ...profile, createdAt: at, updatedAt: at, firstTouch: { at, formId: 'bench' }, lastTouch: { at, formId: 'bench' }, subscriptions: {}, stage: score.qualified ? 'mql' : 'lead', version: 1 },
        { ...keys.score(id), ...keys.scoreBand(id, bandKey(band)), entity: 'score', version: 1, score: storedScore(score), through: '', recent: [] },
      );
    }
    await putItems(documents, stack.settings.tableName, items);
  };
  const PER_WRITER = 500;
  const WRITERS = 8;
  for (let start = 0; start < count; start += PER_WRITER * WRITERS) {
    await Promise.all(Array.from({ length: WRITERS }, (_, writer) => start + writer * PER_WRITER).filter((from) => from < count).map((from) => write(from, Math.min(from + PER_WRITER, count))));
  }
  return Math.round((performance.now() - started) / 100) / 10;
}

/**
 * What the sorted list's first reader meets in production: the stale bands lowered by the sweep's
 * hourly score band round. The round that ran when the stack started found an empty table, and the
 * next is an hour away; the bench deletes the stored round, as if that hour had passed, so the sweep
 * (every second locally) starts one at once, and waits until it has finished. Returns its seconds and
 * the leads it lowered.
 */
async function bandRoundRun(stack: LocalStack): Promise<{ seconds: number; lowered: number }> {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb }));
  const TableName = stack.settings.tableName;
  const started = performance.now();
  await documents.send(new DeleteCommand({ TableName, Key: keys.scoreBandRound() }));
  const deadline = Date.now() + 600_000;
  for (;;) {
    const { Item } = await documents.send(new GetCommand({ TableName, Key: keys.scoreBandRound(), ConsistentRead: true }));
    if (Item?.finishedAt) return { seconds: Math.round((performance.now() - started) / 100) / 10, lowered: Number(Item.lowered) };
    if (Date.now() > deadline) throw new Error('the score band round did not finish within 10 minutes');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
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
  const bandRound = await bandRoundRun(stack);
  const request = async (query: string) => {
    const started = performance.now();
    const response = await fetch(`${stack.apiUrl}/v1/admin/leads?${query}`, { headers: { authorization: `Bearer ${stack.devToken}` } });
    const body = (await response.json()) as { items: unknown[]; nextCursor?: string; scanned: number };
    if (!response.ok || !Array.isArray(body.items)) throw new Error(`listLeads answered ${response.status}`);
    return { ms: performance.now() - started, body };
  };
  const list = async (query: string) => (await request(query)).ms;
  await list('limit=50');
  const listMs = median(await sequential(LOADS, () => list('limit=50')));
  const filteredListMs = median(await sequential(LOADS, () => list('limit=50&stage=mql&grade=A')));
  // Sorted by score, after the band round: the first page, and the fifth (each page reads the bands
  // from the top again). A page that takes longer than the function's timeout answers 500: that is
  // reported, not thrown. Each request lowers stale bands it read itself (those below the round's
  // reach), so the first page is timed on the first request, as the median of the next five, and read
  // again after them.
  const sorted = async () => {
    const first = await request('limit=50&sort=score');
    const firstMs = median(await sequential(LOADS, () => list('limit=50&sort=score')));
    const repeated = await request('limit=50&sort=score');
    let cursor = first.body.nextCursor;
    for (let page = 2; page < 5 && cursor; page += 1) cursor = (await request(`limit=50&sort=score&cursor=${cursor}`)).body.nextCursor;
    const fifth = cursor ? await request(`limit=50&sort=score&cursor=${cursor}`) : undefined;
    return {
      listLeadsByScoreFirstRequestMs: Math.round(first.ms),
      listLeadsByScoreScanned: first.body.scanned,
      listLeadsByScoreMs: Math.round(firstMs),
      listLeadsByScoreSeventhMs: Math.round(repeated.ms),
      listLeadsByScoreSeventhScanned: repeated.body.scanned,
      ...(fifth ? { listLeadsByScorePage5Ms: Math.round(fifth.ms), listLeadsByScorePage5Scanned: fifth.body.scanned } : {}),
    };
  };
  const byScore = await sorted().catch((error: unknown) => ({ listLeadsByScoreError: error instanceof Error ? error.message : String(error) }));

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
    return {
      leads,
      seedSeconds,
      scoreBandRoundSeconds: bandRound.seconds,
      scoreBandRoundLowered: bandRound.lowered,
      leadsPageFirstRenderMs: Math.round(firstRenderMs),
      listLeadsMs: Math.round(listMs),
      listLeadsFilteredMs: Math.round(filteredListMs),
      ...byScore,
    };
  } finally {
    await browser.close();
  }
}

async function sequential(times: number, run: () => Promise<number>): Promise<number[]> {
  const results: number[] = [];
  for (let index = 0; index < times; index += 1) results.push(await run());
  return results;
}
