import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fuzzRoute, fuzzTargets, linkHints, startFuzzStack, type RouteReport } from './public-routes';

/**
 * `npm run fuzz [-- [--every-admin-route] <inputs per route> [seed [route]]]`: the hostile-input fuzzer
 * over every public route on the local stack (or those whose `METHOD /path` contains `route`), 1,000
 * inputs per route by default; with `--every-admin-route`, over every admin route too, signed in (an
 * admin's hostile or careless input must not reach a 5xx either: a run of 200 inputs on each found the
 * handoff report's 500 for a month before the year 1000). Prints, per route, the inputs tried, the
 * statuses answered and the refused requests that changed the table, then every broken promise.
 * Exits 1 if any promise broke.
 */
const EVERY_ADMIN_ROUTE = '--every-admin-route';
const everyAdminRoute = process.argv.includes(EVERY_ADMIN_ROUTE);
const [runsGiven, seedGiven, only = ''] = process.argv.slice(2).filter((argument) => argument !== EVERY_ADMIN_ROUTE);
const runs = Number(runsGiven ?? 1000);
const seed = seedGiven === undefined || seedGiven === '' ? undefined : Number(seedGiven);

const stack = await startFuzzStack();
const client = new DynamoDBClient({ endpoint: stack.endpoints.dynamodb });
const reports: RouteReport[] = [];
try {
  const hints = await linkHints(stack);
  for (const target of fuzzTargets(hints, everyAdminRoute).filter((candidate) => candidate.label.includes(only))) {
    const started = Date.now();
    const report = await fuzzRoute(stack, client, target.route, target.hints, runs, seed, target.label, target.admin);
    reports.push(report);
    const statuses = Object.entries(report.statuses).map(([status, count]) => `${status}×${count}`).join(' ');
    console.log(`${report.route.padEnd(52)} inputs ${String(report.inputs).padStart(5)}  5xx ${String(Object.entries(report.statuses).filter(([status]) => Number(status) >= 500).reduce((sum, [, count]) => sum + count, 0)).padStart(3)}  store changes ${String(report.storeChanges).padStart(3)}  failures ${String(report.failures.length).padStart(3)}  ${((Date.now() - started) / 1000).toFixed(0)} s  [${statuses}]`);
  }
} finally {
  client.destroy();
  await stack.stop();
}
const failures = reports.flatMap((report) => report.failures.map((failure) => `${report.route}: ${failure}`));
for (const failure of failures.slice(0, 50)) console.log(failure);
if (failures.length > 50) console.log(`… and ${failures.length - 50} more`);
console.log(`${reports.reduce((sum, report) => sum + report.inputs, 0)} inputs over ${reports.length} routes; ${failures.length} broken promises`);
process.exitCode = failures.length ? 1 : 0;
