/**
 * `npm start`: the whole pipeline on this machine. Data persists in .leadflow/data between runs;
 * its options and port variables are in local/start-options.ts (`npm start -- --help`). Once
 * everything listens it prints one line `leadflow-ready <JSON>` (the endpoints and the admin token)
 * for scripts and tests.
 *
 * One leadflow runs per state folder: a second start names the first and exits 1. Every child
 * process ends with this one, and this one ends with the command that started it (npm stopped alone
 * leaves it without a parent).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { claimInstance } from './instance';
import { startCommand } from './start-options';
import { DEV_TOKEN_VARIABLE, readStateValues, StateFileFault, type StateValues } from './state-files';
import type { DemoSite } from './demo-site';
import type { LocalStack } from './stack';

const command = startCommand(process.argv.slice(2), process.env);
if ('print' in command) {
  (command.exitCode === 0 ? console.log : console.error)(command.print);
  process.exit(command.exitCode);
}
const options = command.start;

/** Ends a start that cannot go on, saying why in one line (no stack trace: the reason is the user's to act on). */
function cannotStart(reason: string): never {
  console.error(`leadflow cannot start: ${reason}`);
  process.exit(1);
}

const stateDir = resolve(options.data ?? fileURLToPath(new URL('../.leadflow', import.meta.url)));
const fromHere = relative(process.cwd(), stateDir);
const shownStateDir = fromHere.startsWith('..') || isAbsolute(fromHere) ? stateDir : fromHere || '.';
/**
 * `mkdir -p`, a level at a time: Node's recursive mkdirSync never returns where the kernel answers
 * ENOENT for a new entry in a folder that exists (any folder under /proc), so `--data /proc/x` spun
 * at full CPU instead of saying so.
 */
function makeFolder(path: string): void {
  const parent = dirname(path);
  if (parent !== path && !existsSync(parent)) makeFolder(parent);
  try {
    mkdirSync(path);
  } catch (error) {
    // Made meanwhile by another process, or there already.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(path).isDirectory()) throw error;
  }
}

try {
  makeFolder(stateDir);
} catch (error) {
  // A file in its place, or a folder it may not write in: named, with the way out.
  cannotStart(`its state folder ${shownStateDir} cannot be made (${(error as NodeJS.ErrnoException).code}); name another with --data DIR`);
}

const apiPort = options.apiPort;
/** How often this process checks that its parent is still there. */
const PARENT_CHECK_MS = 500;

const claim = claimInstance(`${stateDir}/running.json`, `http://127.0.0.1:${apiPort}`);
if (!claim.claimed) {
  console.error(`leadflow is already running (pid ${claim.running.pid}, API ${claim.running.apiUrl}); stop it first`);
  process.exit(1);
}
// Also when this process ends on an error nobody caught.
process.on('exit', () => claim.release());
// Loaded only now, so that a second start answers in one line, before the SDK has anything to say.
const { assertJava, isAddressInUse } = await import('./services');
// Before the console's build and the stored secrets: a machine without Java learns it at once, in one line.
try {
  assertJava();
} catch (error) {
  cannotStart((error as Error).message);
}
// The admin token, link-signing keys, address-hash salt and CAPTCHA keys kept between runs: a file
// edited wrongly is named before anything is built.
let state: StateValues;
try {
  state = await readStateValues({ stateDir, shownStateDir, env: process.env, log: (line) => console.log(line) });
} catch (error) {
  if (!(error instanceof StateFileFault)) throw error;
  cannotStart(error.message);
}
const { CONSOLE_PATH, ensureConsoleBuilt } = await import('./console');
if (await ensureConsoleBuilt()) console.log('Built the console (web/console/dist).');
const { startLocalStack } = await import('./stack');
const { startDemoSite } = await import('./demo-site');

let stack: LocalStack;
let demoSite: DemoSite;
try {
  stack = await startLocalStack({
    dataDir: `${stateDir}/data`,
    reset: options.reset,
    // The admin token stays the same between runs, so scripts and bookmarks keep working; links in
    // mail already sent keep verifying; suppressed addresses keep matching their salted hashes.
    devToken: state.devToken,
    // Read again when their files change: an edit reaches the functions as a rotation in AWS does.
    signingKeys: () => state.signingKeys.current(),
    privacySalt: state.privacySalt,
    // Forms' CAPTCHA secret keys by name, as the operator writes them: `{ "<secretName>": "<key>" }`.
    formCaptchaSecrets: () => state.formCaptchaSecrets.current(),
    ports: { api: apiPort, dynamodb: options.ports.DYNAMODB, sqs: options.ports.SQS, ses: options.ports.SES, bus: options.ports.BUS, secrets: options.ports.SECRETS },
  });
} catch (error) {
  // A file of the data folder it cannot read (the schedules), named as the state files are.
  if (error instanceof StateFileFault) cannotStart(error.message);
  if (!isAddressInUse(error)) throw error;
  cannotStart(`${(error as Error).message}; stop that process, or move leadflow with --port and LEADFLOW_<SERVICE>_PORT`);
}
try {
  demoSite = await startDemoSite({ apiUrl: stack.apiUrl, devToken: stack.devToken, port: options.ports.DEMO });
} catch (error) {
  await stack.stop();
  if (!isAddressInUse(error)) throw error;
  cannotStart(`the demo site cannot listen: ${(error as Error).message}; stop that process, or move it with LEADFLOW_DEMO_PORT`);
}
claim.update(stack.apiUrl);
console.log(`
leadflow is running locally (pid ${process.pid}).

  Demo site         ${demoSite.url}   (click around, then see your score: README, "Try it: the demo site")
  Console           ${stack.apiUrl}${CONSOLE_PATH}   (the web app for marketers and sales; development sign-in: an admin, a marketer and the routing's sales reps)
  API               ${stack.apiUrl}
  OpenAPI document  ${stack.apiUrl}/v1/openapi.json
  Sent mail         ${stack.sesUrl}   (every email, with its headers)
  DynamoDB Local    ${stack.endpoints.dynamodb}   (pid ${stack.dynamodbPid}; table "${stack.settings.tableName}", data in ${shownStateDir}/data)
  SQS (fauxqs)      ${stack.endpoints.sqs}
  EventBridge       ${stack.endpoints.eventbridge}
  Scheduler         ${stack.endpoints.scheduler}   (campaign schedules and follow-up timers, kept in ${shownStateDir}/data)
  Secrets Manager   ${stack.endpoints.secretsmanager}   (link-signing keys, address-hash salt and forms' CAPTCHA keys, kept in ${shownStateDir}/; signing-keys.json and form-captcha.json are read again when edited)
  Admin token       ${stack.devToken}   (${state.devTokenFrom === 'file' ? `also in ${shownStateDir}/dev-token` : `from ${DEV_TOKEN_VARIABLE}, which the CLI needs set too`}; send as "Authorization: Bearer <token>")

Ctrl-C stops everything.
`);
console.log(`leadflow-ready ${JSON.stringify({ apiUrl: stack.apiUrl, consoleUrl: `${stack.apiUrl}${CONSOLE_PATH}`, devToken: stack.devToken, demoSiteUrl: demoSite.url, ...stack.endpoints })}`);

let stopping = false;
function stopAndExit(reason: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${reason}: stopping…`);
  demoSite
    .stop()
    .then(() => stack.stop())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stopAndExit(signal));
// npm runs this under `sh -c`. SIGTERM to npm alone ends npm and the shell but not this process,
// which the system then hands to another parent: that change is the signal to stop.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) stopAndExit('the command that started leadflow has ended');
}, PARENT_CHECK_MS).unref();
