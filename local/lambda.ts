import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { Context } from 'aws-lambda';
import type { FunctionSpec } from '../manifest/types';
import type { FunctionBundles } from './function-bundles';
import type { GrantScope } from './table-grant-check';
import type { CapacityReport } from './consumed-capacity';
import { metricsOfLine, type MetricValues } from './metric-lines';
import { tableCallGroupOf, tableCallPriority, type TableCallPriority, type TableCallTurns } from './table-call-priority';

/** A Lambda-like context for a local invocation. */
export function lambdaContext(fn: FunctionSpec): Context {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `leadflow-${fn.name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:leadflow-${fn.name}`,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/leadflow-${fn.name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export type Invoke<E, R> = (event: E, context: Context) => Promise<R>;

/** What a function's worker is started with (its `workerData`). */
export interface FunctionWorkerData {
  /** File URL of the module whose `handler` export is the function's handler. */
  readonly entryUrl: string;
  /** Each invocation runs in it, so the function's table calls are held to its manifest grants. */
  readonly scope: GrantScope;
  /** Whether its DynamoDB calls ask for and report their consumed capacity. */
  readonly measureCapacity: boolean;
  /** How its DynamoDB calls take turns with other functions' at DynamoDB Local. */
  readonly turns: TableCallTurns;
}

/** The part of a Context that crosses to the worker: everything but its functions. */
export type ContextFields = Omit<Context, 'getRemainingTimeInMillis' | 'done' | 'fail' | 'succeed'>;

/** One invocation, sent to the function's worker. */
export interface Invocation {
  readonly id: number;
  readonly event: unknown;
  readonly context: ContextFields;
  readonly remainingTimeInMillis: number;
}

export interface ThrownError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** The worker's answer to one invocation: what the handler returned, or what it threw. */
export type InvocationOutcome = { readonly id: number; readonly result: unknown } | { readonly id: number; readonly error: ThrownError };
/**
 * What a worker sends: that its handler module has loaded, each invocation's outcome, and the
 * capacity each of its DynamoDB calls consumed (gathered, a message per few milliseconds rather than
 * one per call, and always sent before the outcome of the invocation that made them).
 */
export type WorkerMessage = { readonly loaded: true } | { readonly capacity: readonly CapacityReport[] } | InvocationOutcome;

/** Plain data of a thrown value, which crosses threads with its name (a subclass's instance would not). */
export function thrownError(error: unknown): ThrownError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
}

const errorFrom = (thrown: ThrownError, message = thrown.message): Error =>
  Object.assign(new Error(message), { name: thrown.name, stack: thrown.stack?.replace(thrown.message, message) ?? message });

interface FunctionWorker {
  /** `remainingTimeInMillis` counts from when the worker starts the invocation, after any cold start. */
  invoke(event: unknown, context: Context, remainingTimeInMillis: number): Promise<unknown>;
  terminate(): Promise<void>;
  /** Settles once the handler module has loaded, or the worker ended before it did. */
  readonly loaded: Promise<void>;
  /** The thread itself, whose event-loop utilisation tells how busy the function keeps it. */
  readonly thread: Worker;
}

interface WorkerEvents {
  /** Once, as soon as the worker is known to end (crashed or exited). */
  ending(): void;
  /** Once, when the handler module has loaded or the worker ended before it did. */
  loadingDone(): void;
}

/** What the stack hears from its functions besides their answers. */
export interface FunctionReports {
  /** After each DynamoDB call of `functionName` that reports capacity, or failed a condition. */
  capacity(functionName: string, report: CapacityReport): void;
  /** Each EMF line `functionName` printed, as CloudWatch would extract its metrics. */
  metrics(functionName: string, metrics: readonly MetricValues[]): void;
}

/** The flags that load modules into a process before its entry: `--import`, `--require` (`-r`), `--loader`. */
const MODULE_LOADER_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

/** `execArgv` without the module loaders it names, each with its module (`--import tsx`, `--import=tsx`). */
export function withoutModuleLoaders(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < execArgv.length; index += 1) {
    const flag = execArgv[index] as string;
    if (MODULE_LOADER_FLAGS.has(flag)) index += 1;
    else if (!MODULE_LOADER_FLAGS.has(flag.split('=')[0] as string)) kept.push(flag);
  }
  return kept;
}

/**
 * A function's worker, with this process's flags but its module loaders. The worker runs a bundle,
 * JavaScript that maps its own stack traces: the TypeScript loader `npm start` and the bench are
 * started with (tsx) only made each worker's cold start load and register it again, Node's source
 * maps turned on with it. A cold start of score-lead, ingest-events, manage-campaigns or
 * send-campaign took 0.38-0.45 s of CPU with it and 0.28-0.33 s without (docs/performance.md, "npm
 * start's imports and its functions' cold starts"). A process started with a flag that a worker may
 * not be given (one of the whole process's, such as `--max-old-space-size`) leaves its workers the
 * flags they inherit, loaders included.
 */
function functionWorker(url: URL, options: Omit<WorkerOptions, 'execArgv'>): Worker {
  try {
    return new Worker(url, { ...options, execArgv: withoutModuleLoaders(process.execArgv) });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    return new Worker(url, options);
  }
}

function startWorker(fn: FunctionSpec, bundles: FunctionBundles, env: Record<string, string>, measureCapacity: boolean, priority: TableCallPriority, log: (line: string) => void, events: WorkerEvents, reports: FunctionReports): FunctionWorker {
  const turns = priority.enter(tableCallGroupOf(fn));
  const workerData: FunctionWorkerData = {
    entryUrl: bundles.entryUrlOf(fn),
    scope: { functionName: fn.name, ...(fn.table ? { table: fn.table } : {}) },
    measureCapacity,
    turns,
  };
  let worker: Worker;
  try {
    worker = functionWorker(bundles.workerUrl, { env, workerData, stdout: true });
  } catch (error) {
    priority.leave(turns);
    throw error;
  }
  // The function's output, read as CloudWatch Logs reads a Lambda's: metric lines are taken out, the rest is passed on.
  createInterface({ input: worker.stdout, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
    const metrics = metricsOfLine(line);
    if (metrics) reports.metrics(fn.name, metrics);
    else process.stdout.write(`${line}\n`);
  });
  const waiting = new Map<number, { resolve(result: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  let crash: Error | undefined;
  let exitedOn: Error | undefined;
  let loaded = false;
  let loading = true;
  let settleLoaded = () => {};
  const loadedOrEnded = new Promise<void>((settle) => {
    settleLoaded = settle;
  });
  const loadingDone = () => {
    if (loading) events.loadingDone();
    loading = false;
    settleLoaded();
  };
  worker.on('message', (message: WorkerMessage) => {
    if ('loaded' in message) {
      loaded = true;
      loadingDone();
      return;
    }
    if ('capacity' in message) {
      for (const report of message.capacity) reports.capacity(fn.name, report);
      return;
    }
    const outcome = message;
    const invocation = waiting.get(outcome.id);
    waiting.delete(outcome.id);
    if ('error' in outcome) invocation?.reject(errorFrom(outcome.error));
    else invocation?.resolve(outcome.result);
  });
  // An error nobody caught, in the handler module's loading (Lambda's init error) or after an
  // invocation returned: the worker ends, like a Lambda execution environment that crashed.
  worker.on('error', (error) => {
    const thrown = thrownError(error);
    crash = errorFrom(thrown, `${fn.name}: ${thrown.message}`);
    events.ending();
    loadingDone();
    const what = loaded ? 'its runtime ended on an error nobody caught' : 'its handler module failed to load (an init error in Lambda)';
    log(`${fn.name}: ${what}; the next invocation starts it again: ${crash.stack}`);
  });
  const exited = new Promise<void>((settle) =>
    worker.once('exit', (code) => {
      const reason = crash ?? new Error(`${fn.name}: its runtime ended (exit code ${code}) before it answered`);
      exitedOn = reason;
      // Calls it had in flight ended with it.
      priority.leave(turns);
      for (const invocation of waiting.values()) invocation.reject(reason);
      waiting.clear();
      if (!crash) events.ending();
      loadingDone();
      settle();
    }),
  );
  return {
    invoke: (event, context, remainingTimeInMillis) =>
      new Promise((resolveInvocation, rejectInvocation) => {
        // Sent after the worker crashed or ended, it would never be answered.
        const ended = crash ?? exitedOn;
        if (ended) {
          rejectInvocation(ended);
          return;
        }
        const id = nextId++;
        const { getRemainingTimeInMillis: _remaining, done: _done, fail: _fail, succeed: _succeed, ...fields } = context;
        const invocation: Invocation = { id, event, context: fields, remainingTimeInMillis };
        waiting.set(id, { resolve: resolveInvocation, reject: rejectInvocation });
        try {
          worker.postMessage(invocation);
        } catch (error) {
          waiting.delete(id);
          rejectInvocation(error);
        }
      }),
    terminate: async () => {
      await worker.terminate();
      await exited;
    },
    loaded: loadedOrEnded,
    thread: worker,
  };
}

export interface FunctionRuntime {
  /** Invokes `fn` the way Lambda would: its module's `handler` export, in one of the function's worker threads. */
  handlerOf<E, R>(fn: FunctionSpec): Invoke<E, R>;
  /** Whether `fn` has a worker whose handler has loaded: its next invocation is not a cold start. */
  isWarm(fn: FunctionSpec): boolean;
  /** How many invocations of functions other than `functionName` have ended, however they ended. */
  endedInvocationsOfOthers(functionName: string): number;
  /** Ends every worker; an invocation still running fails. */
  stop(): Promise<void>;
}

/** One worker of a function's pool, with the invocations it is running and its event loop's last reading. */
interface PooledWorker {
  readonly worker: Promise<FunctionWorker>;
  /** The worker once its handler has loaded: only then is it judged busy or not, and preferred. */
  loaded?: FunctionWorker;
  running: number;
  /** The worker's event-loop utilisation when last judged. */
  utilisation?: EventLoopUtilization;
}

/**
 * A worker whose event loop was busy this share of the time since it was last read is saturated: its
 * function gets one more worker, as Lambda gives a function one more execution environment when its
 * invocations overlap. Below it, a worker still has time for the invocations it holds.
 */
const SATURATED = 0.8;
/** How long a worker's utilisation is measured over before it is judged. */
const UTILISATION_WINDOW_MS = 500;

/**
 * Runs every function in worker threads of its own, the first started on its first invocation (a cold
 * start, as Lambda starts an execution environment) and again after one that crashed. A worker runs
 * the function's bundle (local/function-bundles.ts). A worker has its own `process.env`, set to
 * `environmentOf(fn)`, and its own module instances, so each function sees exactly its Lambda's
 * environment, also in what its modules read once when loaded (`readConfig` at module scope), and
 * keeps its SDK clients and caches to itself, as separate Lambdas do. Swapping `process.env` around
 * each call in one thread could not give that: modules shared by handlers are loaded once, under
 * whichever function came first, and work a handler leaves running outlives the swap. Child processes
 * could, but cost more to start and would outlive a `kill -9` of `npm start`; threads end with the
 * process, however it ends.
 *
 * Concurrent invocations of one function share a worker until it is saturated (its event loop busy
 * SATURATED of the time): then, when `maxWorkersPerFunction` allows more than one, the function gets
 * another worker and each invocation goes to the worker running the fewest. In Lambda every concurrent
 * invocation has an execution environment, and CPU, of its own; with one thread, a function that does
 * much work at once (a campaign's sender) runs on one core at most.
 *
 * Every worker's DynamoDB calls take turns (local/table-call-priority.ts): the functions users wait on
 * go first at DynamoDB Local, which answers every function through one SQLite thread.
 */
export function startFunctionRuntime(options: {
  bundles: FunctionBundles;
  environmentOf: (fn: FunctionSpec) => Record<string, string>;
  log: (line: string) => void;
  reports: FunctionReports;
  /** Whether the functions' DynamoDB calls report their consumed capacity (`reports.capacity`). */
  measureCapacity: boolean;
  /** Workers one function may have at once; default 1 (see `LocalStackOptions.workersPerFunction`). */
  maxWorkersPerFunction?: number;
}): FunctionRuntime {
  const maxWorkers = options.maxWorkersPerFunction ?? 1;
  const pools = new Map<string, PooledWorker[]>();
  const ended = new Map<string, number>();
  let endedInAll = 0;
  /** Cold starts waiting for a slot, by function: an invocation moves its function's to the front. */
  const queued = new Map<string, () => void>();
  const coldStarts = slots(availableParallelism());
  const priority = tableCallPriority();
  let stopped = false;
  const stopping = (fn: FunctionSpec) => new Error(`${fn.name}: the local stack is stopping`);
  const poolOf = (fn: FunctionSpec) => {
    const pool = pools.get(fn.name) ?? [];
    pools.set(fn.name, pool);
    return pool;
  };
  const leave = (pool: PooledWorker[], pooled: PooledWorker) => {
    const at = pool.indexOf(pooled);
    if (at !== -1) pool.splice(at, 1);
  };
  const startPooled = (fn: FunctionSpec, invoked: boolean): PooledWorker => {
    const pool = poolOf(fn);
    const slot = coldStarts.acquire(invoked);
    queued.set(fn.name, slot.promote);
    const pooled: PooledWorker = {
      running: 0,
      worker: slot.granted.then(() => {
        queued.delete(fn.name);
        if (stopped) {
          coldStarts.release();
          throw stopping(fn);
        }
        const started = startWorker(fn, options.bundles, options.environmentOf(fn), options.measureCapacity, priority, options.log, {
          // A worker that crashed takes no more invocations: the next one goes to another, or starts a fresh worker at once.
          ending: () => leave(pool, pooled),
          loadingDone: coldStarts.release,
        }, options.reports);
        void started.loaded.then(() => {
          pooled.loaded = started;
        });
        return started;
      }),
    };
    // A start refused because the stack is stopping leaves the pool too.
    pooled.worker.catch(() => leave(pool, pooled));
    pool.push(pooled);
    return pooled;
  };
  /** Whether every worker of the pool has loaded and was saturated over its last full window. */
  const saturated = (pool: readonly PooledWorker[]): boolean =>
    pool.every((pooled) => {
      if (!pooled.loaded) return false;
      const now = pooled.loaded.thread.performance.eventLoopUtilization();
      if (!pooled.utilisation) {
        pooled.utilisation = now;
        return false;
      }
      const window = pooled.loaded.thread.performance.eventLoopUtilization(now, pooled.utilisation);
      if (window.idle + window.active < UTILISATION_WINDOW_MS) return false;
      pooled.utilisation = now;
      return window.utilization >= SATURATED;
    });
  const workerFor = (fn: FunctionSpec, invoked: boolean): PooledWorker => {
    const pool = poolOf(fn);
    const [first] = pool;
    if (!first) return startPooled(fn, invoked);
    if (invoked) queued.get(fn.name)?.();
    if (invoked && pool.length < maxWorkers && saturated(pool)) startPooled(fn, false);
    // The least busy worker that has loaded; while none has, the first (the invocation waits for its cold start).
    const loaded = pool.filter((pooled) => pooled.loaded);
    return (loaded.length ? loaded : [first]).reduce((least, pooled) => (pooled.running < least.running ? pooled : least));
  };
  return {
    handlerOf:
      <E, R>(fn: FunctionSpec): Invoke<E, R> =>
      async (event, context) => {
        if (stopped) throw stopping(fn);
        // Lambda's clock starts once the function is ready: a cold start, and the wait for one, are not
        // taken from the invocation's time (middy answers early when little is left).
        const remainingTimeInMillis = context.getRemainingTimeInMillis();
        const pooled = workerFor(fn, true);
        pooled.running += 1;
        try {
          return (await (await pooled.worker).invoke(event, context, remainingTimeInMillis)) as R;
        } finally {
          pooled.running -= 1;
          ended.set(fn.name, (ended.get(fn.name) ?? 0) + 1);
          endedInAll += 1;
        }
      },
    isWarm: (fn) => (pools.get(fn.name) ?? []).some((pooled) => pooled.loaded !== undefined),
    endedInvocationsOfOthers: (functionName) => endedInAll - (ended.get(functionName) ?? 0),
    stop: async () => {
      stopped = true;
      const all = [...pools.values()].flat();
      await Promise.allSettled(all.map(async (pooled) => (await pooled.worker).terminate()));
    },
  };
}

/**
 * At most `limit` holders at once, the others waiting in turn, those an invocation waits for first.
 * Workers loading their handlers take these for cold starts: a queue fanning an event out to ten
 * functions would otherwise start ten workers on two cores at once, each taking longer and all
 * finishing late (29 at once took 1.2 s of CPU each, against 0.7 s one by one); and an invocation
 * does not wait behind another worker started for a saturated function.
 */
function slots(limit: number) {
  let free = limit;
  const waiting: { grant(): void; urgent: boolean }[] = [];
  return {
    acquire: (urgent: boolean): { granted: Promise<void>; promote(): void } => {
      if (free > 0) {
        free -= 1;
        return { granted: Promise.resolve(), promote: () => {} };
      }
      const entry = { grant: () => {}, urgent };
      const granted = new Promise<void>((resolve) => {
        entry.grant = resolve;
      });
      waiting.push(entry);
      return {
        granted,
        promote: () => {
          entry.urgent = true;
        },
      };
    },
    release: (): void => {
      const urgent = waiting.findIndex((entry) => entry.urgent);
      const [next] = waiting.splice(urgent === -1 ? 0 : urgent, 1);
      if (next) next.grant();
      else free += 1;
    },
  };
}
