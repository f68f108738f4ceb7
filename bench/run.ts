/**
 * `npm run bench`: throughput and latency of ingest -> score -> MQL on the local stack, rule
 * evaluations per second with a 50-rule ruleset, back-test time for 100,000 events (in memory and on
 * the local stack), plan-and-send time of a campaign to 100,000 recipients with SES calls per
 * recipient, MQL handoff latency (accepted events to sales alert sent and to `lead.qualified` webhook
 * received) with alerts and webhooks per qualification when every qualification reaches the bus twice,
 * the size of each function's bundle (as `cdk deploy` builds it, and with the AWS SDK inside) and the
 * time to import each bundle cold. Prints a table and writes bench/results.json. Figures depend on the machine: quote them with it.
 * `npm run bench -- campaign` (or functions, throughput, scoring, handoff) runs only the sections named
 * and keeps the other sections' last figures. `npm run bench -- collector` measures the Segment-compatible
 * collector's throughput (bench/collector.ts).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { build } from 'esbuild';
import { startLocalStack } from '../local/stack';
import { scopedEventId } from '../src/domain/idempotency';
import { environmentFor } from '../manifest/environment';
import { manifest } from '../manifest/manifest';
import type { FunctionSpec } from '../manifest/types';
import { esbuildOptionsFor } from '../infra/function-bundling';
import { inBatches, percentile } from './batches';
import { campaignSend } from './campaign';
import { collectorThroughput } from './collector';
import { handoffLatency } from './handoff';
import { backtestInMemory, backtestOnStack, ruleEvaluations } from './scoring';

const LEADS = Number(process.env.BENCH_LEADS ?? 200);
const EVENTS_PER_LEAD = Number(process.env.BENCH_EVENTS_PER_LEAD ?? 5);
const CONCURRENCY = 16;
/**
 * The bench's concurrent clients all send from 127.0.0.1: one client to the per-client limit, which
 * would measure that limit instead of the pipeline. The route limits still apply.
 */
const ONE_ADDRESS_MANY_CLIENTS = { ratePerSecond: 100_000, burst: 100_000 };

async function pipeline() {
  // On disk, as `npm start` runs: the table, the queue journal and the schedules in a data folder.
  const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-bench-data-'));
  const stack = await startLocalStack({ log: () => {}, perClientLimit: ONE_ADDRESS_MANY_CLIENTS, dataDir });
  try {
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${stack.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (response.status !== 202) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
      return response.json() as Promise<{ leadId?: string }>;
    };
    const leads = Array.from({ length: LEADS }, (_, index) => ({ index, email: `bench-${index}-${randomUUID().slice(0, 8)}@example.com` }));
    const eventIds: string[] = [];
    const started = Date.now();
    await inBatches(leads, CONCURRENCY, async ({ email, index }) => {
      await post('/v1/forms/bench/submissions', { email, role: 'VP Sales', industry: 'SaaS', teamSize: 100 + index, budget: 20_000 });
      const events = Array.from({ length: EVENTS_PER_LEAD }, (_, n) => ({
        id: `bench-${randomUUID()}`,
        type: n % 2 ? 'page_view' : 'content_download',
        occurredAt: new Date().toISOString(),
        email,
        properties: n % 2 ? { url: `https://example.com/${n % 4 === 1 ? 'pricing' : 'demo'}`, secondsOnPage: 150 } : { contentId: `guide-${n}` },
      }));
      await post('/v1/events', { events });
      // Stored under their id scoped to the address, as the API stores them.
      eventIds.push(...events.map((event) => scopedEventId({ email }, event.id)));
    });
    const accepted = Date.now();

    const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const latencies: number[] = [];
    const deadline = Date.now() + 300_000;
    let pending = [...eventIds];
    while (pending.length && Date.now() < deadline) {
      const stillPending: string[] = [];
      await inBatches(pending, 32, async (eventId) => {
        const { Item } = await documents.send(new GetCommand({ TableName: stack.settings.tableName, Key: { pk: `EVENT#${eventId}`, sk: 'EVENT' } }));
        if (typeof Item?.scoredAt === 'string') latencies.push(Date.parse(Item.scoredAt) - Date.parse(Item.receivedAt as string));
        else stillPending.push(eventId);
      });
      pending = stillPending;
      if (pending.length) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const scored = Date.now();
    latencies.sort((a, b) => a - b);
    return {
      leads: LEADS,
      events: eventIds.length,
      unscored: pending.length,
      ingestSeconds: (accepted - started) / 1000,
      ingestRequestsPerSecond: (LEADS * 2) / ((accepted - started) / 1000),
      eventsScoredPerSecond: latencies.length / ((scored - started) / 1000),
      acceptToScoreP50Ms: percentile(latencies, 50),
      acceptToScoreP99Ms: percentile(latencies, 99),
    };
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A function's bundle as `cdk deploy` builds it (SDK external) and with the SDK inside. */
interface BundleRow {
  readonly function: string;
  /** SDK bundled. */
  readonly bundleKiB: number;
  readonly coldImportMs: number;
  /** As deployed: the SDK left to the Lambda runtime. */
  readonly sdkExternalKiB: number;
  readonly sdkExternalColdImportMs: number;
}

/**
 * Bundles each function with the stack's options (infra/function-bundling.ts), with the SDK external as
 * `cdk deploy` does and with it bundled, and times a cold import of each in a fresh Node process. The
 * bundles are written inside the project, where an external SDK import resolves to node_modules.
 */
async function bundles(): Promise<BundleRow[]> {
  const projectRoot = fileURLToPath(new URL('..', import.meta.url));
  mkdirSync(join(projectRoot, '.leadflow'), { recursive: true });
  const folder = mkdtempSync(join(projectRoot, '.leadflow', 'bench-bundles-'));
  const env = (fn: FunctionSpec) => ({
    ...process.env,
    AWS_REGION: 'us-east-1',
    ...environmentFor(fn, manifest, {
      tableName: 'bench', busName: 'bench', senderAddress: 'a@example.com', salesInbox: 'b@example.com', configurationSetName: 'bench', allowedOrigins: [],
      signingKeysSecret: 'bench', privacySaltSecret: 'bench', publicBaseUrl: 'https://bench.example.com', sesMaxSendRate: 14,
      scheduleGroupName: 'bench', schedulerRoleArn: 'arn:aws:iam::000000000000:role/bench', busArn: 'arn:aws:events:us-east-1:000000000000:event-bus/bench', scheduleDlqArn: 'arn:aws:sqs:us-east-1:000000000000:bench',
    }),
  });
  const measure = async (fn: FunctionSpec, sdk: 'external' | 'bundled') => {
    const outfile = join(folder, `${fn.name}-sdk-${sdk}.mjs`);
    await build({ ...esbuildOptionsFor(fn.entry, outfile, sdk), logLevel: 'silent' });
    const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(outfile).href)});console.log(performance.now()-t)`;
    const importMs = [1, 2, 3].map(() => Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: env(fn) }).toString().trim()));
    return { kiB: Math.round(statSync(outfile).size / 1024), coldImportMs: Math.round(Math.min(...importMs)) };
  };
  try {
    const rows: BundleRow[] = [];
    for (const fn of manifest.functions) {
      const bundled = await measure(fn, 'bundled');
      const external = await measure(fn, 'external');
      rows.push({ function: fn.name, bundleKiB: bundled.kiB, coldImportMs: bundled.coldImportMs, sdkExternalKiB: external.kiB, sdkExternalColdImportMs: external.coldImportMs });
    }
    return rows;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const BACKTEST_EVENTS = Number(process.env.BENCH_BACKTEST_EVENTS ?? 100_000);

async function scoring() {
  const evaluations = ruleEvaluations();
  const inMemory = backtestInMemory(BACKTEST_EVENTS);
  const stack = await startLocalStack({ log: () => {} });
  try {
    const onStack = await backtestOnStack(stack, BACKTEST_EVENTS);
    return { ...evaluations, backtestEvents: inMemory.events, backtestLeads: inMemory.leads, backtestInMemoryMs: inMemory.backtestInMemoryMs, backtestOnStackMs: onStack.backtestOnStackMs, loadItemsPerSecond: onStack.loadItemsPerSecond };
  } finally {
    await stack.stop();
  }
}

const CAMPAIGN_RECIPIENTS = Number(process.env.BENCH_CAMPAIGN_RECIPIENTS ?? 100_000);
/** High enough that the local pipeline, not the configured SES rate, sets the pace. */
const CAMPAIGN_SES_RATE = Number(process.env.BENCH_SES_RATE ?? 1_000);

const HANDOFF_LEADS = Number(process.env.BENCH_HANDOFF_LEADS ?? 200);

async function handoff() {
  const stack = await startLocalStack({ log: () => {}, perClientLimit: ONE_ADDRESS_MANY_CLIENTS });
  try {
    return await handoffLatency(stack, HANDOFF_LEADS);
  } finally {
    await stack.stop();
  }
}

const COLLECTOR_VISITORS = Number(process.env.BENCH_COLLECTOR_VISITORS ?? 200);

async function collector() {
  const stack = await startLocalStack({ log: () => {}, perClientLimit: ONE_ADDRESS_MANY_CLIENTS });
  try {
    return await collectorThroughput(stack, COLLECTOR_VISITORS, 10, CONCURRENCY);
  } finally {
    await stack.stop();
  }
}

type Figures = Record<string, Record<string, unknown>>;

/** Current figures beside the previous run's, metric by metric. */
function beside(current: Figures, previous: Figures | undefined) {
  return Object.entries(current).flatMap(([section, metrics]) =>
    Object.entries(metrics).map(([metric, value]) => ({ metric: `${section}.${metric}`, current: value, previous: previous?.[section]?.[metric] ?? '-' })),
  );
}

const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${loadavg()[0]?.toFixed(1)}`;
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const SECTIONS = ['functions', 'throughput', 'scoring', 'campaign', 'handoff', 'collector'] as const;
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(SECTIONS as readonly string[]).includes(name));
if (unknown.length) throw new Error(`Unknown bench section(s) ${unknown.join(', ')}; choose from ${SECTIONS.join(', ')}`);
const runs = (section: (typeof SECTIONS)[number]) => chosen.length === 0 || chosen.includes(section);

const resultsPath = new URL('./results.json', import.meta.url);
type Results = { collector?: Record<string, unknown>; throughput?: Record<string, unknown>; scoring?: Record<string, unknown>; campaign?: Record<string, unknown>; handoff?: Record<string, unknown>; functions?: (Pick<BundleRow, 'function' | 'bundleKiB' | 'coldImportMs'> & Partial<BundleRow>)[]; at?: string; machine?: string };
let previous: Results | undefined;
try {
  previous = JSON.parse(readFileSync(resultsPath, 'utf8')).current;
} catch {
  previous = undefined;
}

const functionRows = runs('functions') ? await bundles() : (previous?.functions ?? []);
const throughput = runs('throughput') ? await pipeline() : (previous?.throughput ?? {});
const scoringFigures = runs('scoring') ? await scoring() : (previous?.scoring ?? {});
const campaign = runs('campaign') ? await campaignSend(CAMPAIGN_RECIPIENTS, CAMPAIGN_SES_RATE) : (previous?.campaign ?? {});
const handoffFigures = runs('handoff') ? await handoff() : (previous?.handoff ?? {});
const collectorFigures = runs('collector') ? await collector() : (previous?.collector ?? {});

console.log(`\nleadflow bench on ${machine}${previous ? ` (previous: ${previous.at} on ${previous.machine})` : ''}\n`);
console.table(beside({ throughput, scoring: scoringFigures, campaign, handoff: handoffFigures, collector: collectorFigures }, previous as Figures | undefined));
console.table(
  functionRows.map((row) => {
    const before = previous?.functions?.find((entry) => entry.function === row.function);
    return {
      function: row.function,
      sdkExternalKiB: row.sdkExternalKiB ?? '-', previousSdkExternalKiB: before?.sdkExternalKiB ?? '-',
      bundleKiB: row.bundleKiB, previousBundleKiB: before?.bundleKiB ?? '-',
      sdkExternalColdImportMs: row.sdkExternalColdImportMs ?? '-', previousSdkExternalColdImportMs: before?.sdkExternalColdImportMs ?? '-',
      coldImportMs: row.coldImportMs, previousColdImportMs: before?.coldImportMs ?? '-',
    };
  }),
);

writeFileSync(resultsPath, `${JSON.stringify({ current: { at: new Date().toISOString(), machine, throughput, scoring: scoringFigures, campaign, handoff: handoffFigures, collector: collectorFigures, functions: functionRows }, previous }, null, 2)}\n`);
console.log(`written ${resultsPath.pathname}`);
