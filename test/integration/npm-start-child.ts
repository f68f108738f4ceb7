import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { eventually, type StoredMail } from './helpers';

/**
 * `npm start` as a child process that a test can kill with SIGKILL, as a crash would: the crash tests
 * (crash.test.ts, campaign-crash.test.ts) start it on a data folder of their own and start it again on
 * the same folder after the kill.
 */
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ReadyLine {
  apiUrl: string;
  devToken: string;
  ses: string;
  dynamodb: string;
}

export const groupAlive = (pid: number) => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGKILL to the stack's process group, then waits until no process of the group is left. */
export async function killGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || !groupAlive(pid)) return;
  process.kill(-pid, 'SIGKILL');
  await eventually(async () => (groupAlive(pid) ? undefined : true), 15_000);
}

/** `npm start` on `dataDir`, every port free; resolves with its ready line. `started` keeps the child, for the file's clean-up. */
export function startStack(dataDir: string, started: ChildProcess[]): Promise<{ child: ChildProcess; ready: ReadyLine }> {
  const free = { LEADFLOW_DYNAMODB_PORT: '0', LEADFLOW_SQS_PORT: '0', LEADFLOW_SES_PORT: '0', LEADFLOW_BUS_PORT: '0', LEADFLOW_SECRETS_PORT: '0', LEADFLOW_DEMO_PORT: '0' };
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts', '--data', dataDir, '--port', '0'], {
    cwd: PROJECT_ROOT,
    // Its own process group, so one kill reaches DynamoDB Local and every other child too.
    detached: true,
    // A claim the kill cut off is taken over (or counted interrupted) after 20 s instead of 150, and a
    // campaign's such claims are settled by a schedule made 2 s ahead instead of a minute, so the tests end in time.
    env: { ...process.env, ...free, POWERTOOLS_LOG_LEVEL: 'SILENT', CLAIM_STALE_SECONDS: '20', SCHEDULE_SOONEST_SECONDS: '2' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const deadline = setTimeout(() => reject(new Error(`the stack was not ready within 180 s:\n${output.slice(-2_000)}`)), 180_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const line = /^leadflow-ready (.*)$/m.exec(output);
      if (line?.[1]) {
        clearTimeout(deadline);
        resolve({ child, ready: JSON.parse(line[1]) as ReadyLine });
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code, signal) => {
      clearTimeout(deadline);
      reject(new Error(`the stack exited (${code ?? signal}) before it was ready:\n${output.slice(-2_000)}`));
    });
  });
}

export const documentsAt = (endpoint: string) =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));

/** What the stack's SES stand-in holds: the mail sent since it started (it keeps it in memory only). */
export const mailsAt = async (sesUrl: string): Promise<StoredMail[]> => ((await (await fetch(`${sesUrl}/store`)).json()) as { emails: StoredMail[] }).emails;
