/**
 * `npm run bench`: throughput and accept-to-score latency on the local stack, paced and at full load,
 * with DynamoDB request units and on-demand dollars per engagement event (bench/throughput.ts), rule
 * evaluations per second with a 50-rule ruleset, back-test time for 100,000 events (in memory and on
 * the local stack), plan-and-send time of a campaign to 100,000 recipients with SES calls, DynamoDB
 * request units, table calls and on-demand dollars per recipient, MQL handoff latency (accepted events
 * to sales alert sent and to `lead.qualified` webhook received) with alerts and webhooks per
 * qualification when every qualification reaches the bus twice, the size of each function's bundle
 * (as `cdk deploy` builds it, the AWS SDK inside, and with the SDK left to the Lambda runtime), the
 * wall-clock and CPU time to import each bundle cold, and the size of leadflow.js (raw and gzipped).
 * Prints a table and writes bench/results.json. Figures depend on the machine: quote them with it.
 * `npm run bench -- console` measures the console (bench/console.ts): its first-load JavaScript compressed, and the
 * leads page's first render over 100,000 leads. `npm run bench -- campaign` (or functions, throughput, scoring, handoff) runs only the sections named
 * and keeps the other sections' last figures. `npm run bench -- collector` measures the Segment-compatible
 * collector's throughput (bench/collector.ts). `npm run bench -- journeys` measures journey enrolments per
 * second and the lateness of 100,000 waits due in one minute (bench/journeys.ts; BENCH_JOURNEY_WAITS
 * and BENCH_JOURNEY_ENROLMENTS change the counts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startLocalStack } from '../local/stack';
import { environmentFor } from '../manifest/environment';
import { manifest } from '../manifest/manifest';
import type { FunctionSpec } from '../manifest/types';
import { bundleFunctions } from '../infra/function-bundling';
import { campaignCost, campaignSend } from './campaign';
import { countFromEnv } from './env';
import { consoleBundle, consoleFirstRender } from './console';
import { collectorThroughput } from './collector';
import { handoffLatency } from './handoff';
import { journeyFigures } from './journeys';
import { ingestToScore } from './throughput';
import { backtestInMemory, backtestOnStack, ruleEvaluations } from './scoring';
import { buildLeadflowJs } from '../web/leadflow-js/build';

const LEADS = countFromEnv('BENCH_LEADS', 200);
const EVENTS_PER_LEAD = countFromEnv('BENCH_EVENTS_PER_LEAD', 5);
const CONCURRENCY = 16;
/**
 * The bench's concurrent clients all send from 127.0.0.1: one client to the per-client limit, which
 * would measure that limit instead of the pipeline. The route limits still apply.
 */
const ONE_ADDRESS_MANY_CLIENTS = { ratePerSecond: 100_000, burst: 100_000 };

/** Paced mode: events at this rate for this long (the issue's 20 events/s), then the full load. */
const PACED_EVENTS_PER_SECOND = countFromEnv('BENCH_PACED_EVENTS_PER_SECOND', 20);
const PACED_SECONDS = countFromEnv('BENCH_PACED_SECONDS', 30, 0);
// BENCH_LEADS_QUALIFY=false: leads the ruleset never qualifies, for the cost of engagement alone.

const pipeline = () =>
  ingestToScore({
    leads: LEADS,
    eventsPerRequest: EVENTS_PER_LEAD,
    concurrency: CONCURRENCY,
    pacedEventsPerSecond: PACED_EVENTS_PER_SECOND,
    pacedSeconds: PACED_SECONDS,
    perClientLimit: ONE_ADDRESS_MANY_CLIENTS,
    qualifyingLeads: process.env.BENCH_LEADS_QUALIFY !== 'false',
  });

/**
 * A function's bundle as `cdk deploy` builds it (the SDK inside, trimmed to what Lambda calls) and as
 * it would be with the SDK left to the Lambda runtime; each with the time a cold import takes.
 */
interface BundleRow {
  readonly function: string;
  /** As deployed: the SDK bundled. */
  readonly bundleKiB: number;
  /** Wall-clock time of a cold import, least of the runs. */
  readonly coldImportMs: number;
  /** CPU time (user + system, all threads) of a cold import, least of the runs: what a loaded machine disturbs least. */
  readonly coldImportCpuMs: number;
  /** The SDK left to the Lambda runtime, loaded from node_modules as the runtime would supply it. */
  readonly sdkExternalKiB: number;
  readonly sdkExternalColdImportMs: number;
  readonly sdkExternalColdImportCpuMs: number;
}

const COLD_IMPORTS = 5;

/**
 * Bundles each function with the stack's options (infra/function-bundling.ts), as `cdk deploy` does
 * and with the SDK external, and imports each cold in fresh Node processes, as Lambda starts them. The
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
      signingKeysSecret: 'bench', privacySaltSecret: 'bench', formCaptchaSecret: 'bench', publicBaseUrl: 'https://bench.example.com', sesMaxSendRate: 14,
      scheduleGroupName: 'bench', schedulerRoleArn: 'arn:aws:iam::000000000000:role/bench', busArn: 'arn:aws:events:us-east-1:000000000000:event-bus/bench', scheduleDlqArn: 'arn:aws:sqs:us-east-1:000000000000:bench',
    }),
  });
  const entries = Object.fromEntries(manifest.functions.map((fn) => [fn.name, fn.entry]));
  const measure = (fn: FunctionSpec, outfile: string) => {
    const script = `const cpu=process.cpuUsage(),t=performance.now();await import(${JSON.stringify(pathToFileURL(outfile).href)});const used=process.cpuUsage(cpu);console.log(JSON.stringify({wallMs:performance.now()-t,cpuMs:(used.user+used.system)/1000}))`;
    const imports = Array.from({ length: COLD_IMPORTS }, () => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: env(fn), stdio: ['ignore', 'pipe', 'pipe'] }).toString()) as { wallMs: number; cpuMs: number });
    return {
      kiB: Math.round(statSync(outfile).size / 1024),
      coldImportMs: Math.round(Math.min(...imports.map((run) => run.wallMs))),
      coldImportCpuMs: Math.round(Math.min(...imports.map((run) => run.cpuMs))),
    };
  };
  try {
    const deployedBundles = await bundleFunctions(entries, join(folder, 'sdk-bundled'), 'bundled');
    const externalBundles = await bundleFunctions(entries, join(folder, 'sdk-external'), 'external');
    const rows: BundleRow[] = [];
    for (const fn of manifest.functions) {
      const deployed = measure(fn, deployedBundles[fn.name]?.outfile ?? '');
      const external = measure(fn, externalBundles[fn.name]?.outfile ?? '');
      rows.push({
        function: fn.name,
        bundleKiB: deployed.kiB, coldImportMs: deployed.coldImportMs, coldImportCpuMs: deployed.coldImportCpuMs,
        sdkExternalKiB: external.kiB, sdkExternalColdImportMs: external.coldImportMs, sdkExternalColdImportCpuMs: external.coldImportCpuMs,
      });
    }
    return rows;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** leadflow.js as built from the current source, in bytes, and gzipped as the serving function sends it (budget: 5 KB). */
async function snippetSize() {
  const script = await buildLeadflowJs();
  return { rawBytes: Buffer.byteLength(script), gzippedBytes: gzipSync(script, { level: 9 }).length };
}

const BACKTEST_EVENTS = countFromEnv('BENCH_BACKTEST_EVENTS', 100_000);

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

const CAMPAIGN_RECIPIENTS = countFromEnv('BENCH_CAMPAIGN_RECIPIENTS', 100_000);
/** High enough that the local pipeline, not the configured SES rate, sets the pace. */
const CAMPAIGN_SES_RATE = countFromEnv('BENCH_SES_RATE', 1_000);
/** Worker threads a saturated function may have (local/lambda.ts); 1 unless asked. */
const CAMPAIGN_WORKERS_PER_FUNCTION = countFromEnv('BENCH_WORKERS_PER_FUNCTION', 1);
/** The campaign whose DynamoDB units per recipient are counted: a second, smaller run (a recipient's units came out the same at 5,000 and 10,000); 0 leaves it out. */
const CAMPAIGN_COST_RECIPIENTS = countFromEnv('BENCH_CAMPAIGN_COST_RECIPIENTS', 5_000, 0);

const HANDOFF_LEADS = countFromEnv('BENCH_HANDOFF_LEADS', 200);

async function handoff() {
  const stack = await startLocalStack({ log: () => {}, perClientLimit: ONE_ADDRESS_MANY_CLIENTS });
  try {
    return await handoffLatency(stack, HANDOFF_LEADS);
  } finally {
    await stack.stop();
  }
}

const JOURNEY_ENROLMENTS = countFromEnv('BENCH_JOURNEY_ENROLMENTS', 1_000);
const JOURNEY_WAITS = countFromEnv('BENCH_JOURNEY_WAITS', 100_000);

async function journeys() {
  const stack = await startLocalStack({ log: () => {} });
  try {
    return await journeyFigures(stack, { enrolments: JOURNEY_ENROLMENTS, waits: JOURNEY_WAITS });
  } finally {
    await stack.stop();
  }
}

const COLLECTOR_VISITORS = countFromEnv('BENCH_COLLECTOR_VISITORS', 200);

async function collector() {
  const stack = await startLocalStack({ log: () => {}, perClientLimit: ONE_ADDRESS_MANY_CLIENTS });
  try {
    return await collectorThroughput(stack, COLLECTOR_VISITORS, 10, CONCURRENCY);
  } finally {
    await stack.stop();
  }
}

const CONSOLE_LEADS = countFromEnv('BENCH_CONSOLE_LEADS', 100_000);

/** The console's first-load JavaScript, and the leads page's first render over CONSOLE_LEADS leads. */
async function consoleApp() {
  const bundle = await consoleBundle();
  const stack = await startLocalStack({ log: () => {} });
  try {
    return { ...bundle, ...(await consoleFirstRender(stack, CONSOLE_LEADS)) };
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
const SECTIONS = ['functions', 'throughput', 'scoring', 'campaign', 'handoff', 'collector', 'console', 'journeys'] as const;
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(SECTIONS as readonly string[]).includes(name));
if (unknown.length) throw new Error(`Unknown bench section(s) ${unknown.join(', ')}; choose from ${SECTIONS.join(', ')}`);
const runs = (section: (typeof SECTIONS)[number]) => chosen.length === 0 || chosen.includes(section);

const resultsPath = new URL('./results.json', import.meta.url);
type Results = { console?: Record<string, unknown>; journeys?: Record<string, unknown>; collector?: Record<string, unknown>; throughput?: Record<string, unknown>; scoring?: Record<string, unknown>; campaign?: Record<string, unknown>; handoff?: Record<string, unknown>; functions?: (Pick<BundleRow, 'function' | 'bundleKiB' | 'coldImportMs'> & Partial<BundleRow>)[]; snippet?: Record<string, unknown>; at?: string; machine?: string };
let previous: Results | undefined;
try {
  previous = JSON.parse(readFileSync(resultsPath, 'utf8')).current;
} catch {
  previous = undefined;
}

const functionRows = runs('functions') ? await bundles() : (previous?.functions ?? []);
const snippet = runs('functions') ? await snippetSize() : (previous?.snippet ?? {});
const throughput = runs('throughput') ? await pipeline() : (previous?.throughput ?? {});
const scoringFigures = runs('scoring') ? await scoring() : (previous?.scoring ?? {});
const campaign = runs('campaign')
  ? { ...(await campaignSend(CAMPAIGN_RECIPIENTS, CAMPAIGN_SES_RATE, CAMPAIGN_WORKERS_PER_FUNCTION)), ...(CAMPAIGN_COST_RECIPIENTS ? await campaignCost(CAMPAIGN_COST_RECIPIENTS, CAMPAIGN_SES_RATE) : {}) }
  : (previous?.campaign ?? {});
const handoffFigures = runs('handoff') ? await handoff() : (previous?.handoff ?? {});
const collectorFigures = runs('collector') ? await collector() : (previous?.collector ?? {});
const consoleFigures = runs('console') ? await consoleApp() : (previous?.console ?? {});
const journeyResults = runs('journeys') ? await journeys() : (previous?.journeys ?? {});

console.log(`\nleadflow bench on ${machine}${previous ? ` (previous: ${previous.at} on ${previous.machine})` : ''}\n`);
console.table(beside({ throughput, scoring: scoringFigures, campaign, handoff: handoffFigures, snippet, collector: collectorFigures, console: consoleFigures, journeys: journeyResults }, previous as Figures | undefined));
console.table(
  functionRows.map((row) => {
    const before = previous?.functions?.find((entry) => entry.function === row.function);
    return {
      function: row.function,
      sdkExternalKiB: row.sdkExternalKiB ?? '-', previousSdkExternalKiB: before?.sdkExternalKiB ?? '-',
      bundleKiB: row.bundleKiB, previousBundleKiB: before?.bundleKiB ?? '-',
      sdkExternalColdImportMs: row.sdkExternalColdImportMs ?? '-', previousSdkExternalColdImportMs: before?.sdkExternalColdImportMs ?? '-',
      coldImportMs: row.coldImportMs, previousColdImportMs: before?.coldImportMs ?? '-',
      sdkExternalColdImportCpuMs: row.sdkExternalColdImportCpuMs ?? '-', coldImportCpuMs: row.coldImportCpuMs ?? '-', previousColdImportCpuMs: before?.coldImportCpuMs ?? '-',
    };
  }),
);

writeFileSync(resultsPath, `${JSON.stringify({ current: { at: new Date().toISOString(), machine, throughput, scoring: scoringFigures, campaign, handoff: handoffFigures, collector: collectorFigures, console: consoleFigures, journeys: journeyResults, functions: functionRows, snippet }, previous }, null, 2)}\n`);
console.log(`written ${resultsPath.pathname}`);
