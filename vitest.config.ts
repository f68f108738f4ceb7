import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that use their worker's one local stack (test/integration/shared-stack.ts) instead of starting
 * their own. The others do not: rulesets and lifecycle change or count state of the whole table (the
 * active ruleset, back-tests over every event, report totals); the fuzz suite needs a table nobody else
 * writes to; test/local starts and stops stacks on purpose (`ownStack`); handler tests
 * mock the SDK (`mockedSdk`); journeys waits on timers of seconds that a busy shared stack's queues delay
 * (it once waited two minutes for a first email behind other files' work), so it has a stack of its own.
 */
const onSharedStack = [
  'test/integration/{after-sale,api-client,chat,console-roles,collector,follow-up,forms,handoff,purchases,scheduled-campaigns,segment-events,segments,send-policy,slice,subscribers,templates}.test.ts',
  'test/browser/*.test.ts',
  // Their tables are on the run's DynamoDB Local (test/run-dynamodb.ts), a worker's made afresh for each file.
  'test/adapters/*.test.ts',
];

/**
 * Files that only import modules and call them: no SDK mocks, no environment set for the process, no
 * stand-ins. One worker process runs many of them in turn without importing again what they share (the
 * domain, zod, aws-cdk-lib), which was most of their time.
 */
const inOneProcess = ['test/{app,unit,infra}/**/*.test.ts', 'test/architecture.test.ts'];

/**
 * Files that mock SDK clients for the whole process or set its environment. They share a worker process
 * too: a set-up file gives each the process as it was (environment, clocks, the clients' own `send`) and
 * has it import the project's modules afresh, so only the packages (the SDK, zod, middy) are imported
 * once per worker instead of once per file, which was most of their time.
 */
const touchTheProcess = ['test/unit/{cli-dlq,cli-migrate,cli,edge-origin,secrets,webhook-receiver}.test.ts'];
const mockedSdk = ['test/handlers/**/*.test.ts', ...touchTheProcess];

/**
 * The tests of the local stand-ins (test/local), which start and stop stacks and `npm start` on
 * purpose: one worker process runs them in turn, each with its own stack, so the local runtime is
 * imported once per worker. A set-up file puts back the environment a file set.
 * test/local/port-retry.test.ts mocks a module (`vi.mock`), so it keeps a process of its own. The
 * integration files with a stack of their own (the crash tests, dlq, lifecycle, rulesets, the fuzz suite) keep
 * theirs too: in one shared process under a load average of 30-50 the first case of each timed out
 * twice, which their own processes were not seen to do at a load of 5; that is not yet told apart
 * from the load alone.
 */
const ownStack = ['test/local/*.test.ts'];
const ownProcess = ['test/local/port-retry.test.ts'];

/**
 * The longest files, longest first (a quiet run of 2026-12-01: the console's browser tests about
 * 110 s, building every function's bundle about 80, the crash test 60, the rest 30-60). They start
 * before everything else, whatever their project, so that the run does not end on one of them while
 * the other workers are idle: vitest starts the longest files first only within a project, and only
 * when it has their times from an earlier run, which a clean clone (CI) has not. They also spread what
 * waits on timers and stacks (the console, crash, journeys) over the time the CPU-bound bundle
 * builds take.
 */
const longestFirst = [
  'test/browser/console.test.ts',
  'test/infra/bundles.test.ts',
  'test/integration/crash.test.ts',
  'test/integration/campaign-crash.test.ts',
  'test/integration/journeys.test.ts',
  'test/integration/subscribers.test.ts',
  'test/integration/lifecycle.test.ts',
  'test/integration/follow-up.test.ts',
];
const rankOf = (file: TestSpecification) => {
  const rank = longestFirst.findIndex((path) => file.moduleId.endsWith(path));
  return rank === -1 ? longestFirst.length : rank;
};
class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // The rest keep the base order, which runs the projects one after another, so that a worker goes
    // on in the process it has (its shared stack, its imports) from one file of a project to the next
    // (Array.prototype.sort is stable).
    return (await super.sort(files)).sort((x, y) => rankOf(x) - rankOf(y));
  }
}

/** Set up before every file of every project: a worker ends once its run has gone (test/end-with-run.ts). */
const everyFileSetup = ['test/end-with-run.ts'];

/**
 * Three workers on two cores: much of a run is files waiting on their stacks' timers and queues (the
 * follow-up's reminders, the journeys' waits, the scheduled campaigns), which a third worker fills with
 * another file's work. Alternated with two (2026-12-03, evening, since the stacks share the run's
 * DynamoDB Local, docs/performance.md): 234.0-240.5 s against 263.1-294.5 s for about the same CPU.
 * Before that share each worker's stacks started a DynamoDB Local of their own, and a third worker
 * took as long for more CPU (2026-12-01 and 12-03, afternoon).
 */
const common = {
  testTimeout: 60_000,
  hookTimeout: 120_000,
  pool: 'forks',
  maxWorkers: 3,
  setupFiles: everyFileSetup,
} as const;

export default defineConfig({
  test: {
    // Starts the run's DynamoDB Local (test/run-dynamodb.ts) and kills any a crashed or killed worker left behind.
    globalSetup: ['test/global-setup.ts'],
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      // Not isolated: one worker process runs many of these files in turn, so they can share its stack.
      { test: { ...common, name: 'shared-stack', include: onSharedStack, isolate: false } },
      // The bundles test builds its functions three at a time (test/infra/bundles.test.ts says why).
      { test: { ...common, name: 'in-one-process', include: inOneProcess, exclude: [...configDefaults.exclude, ...touchTheProcess], isolate: false, maxConcurrency: 3 } },
      {
        test: { ...common, name: 'mocked-sdk', include: mockedSdk, isolate: false, setupFiles: [...everyFileSetup, 'test/restore-environment.ts', 'test/restore-sdk-clients.ts'] },
      },
      {
        test: { ...common, name: 'own-stack', include: ownStack, exclude: [...configDefaults.exclude, ...ownProcess], isolate: false, setupFiles: [...everyFileSetup, 'test/restore-environment.ts'] },
      },
      { test: { ...common, name: 'isolated', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...onSharedStack, ...inOneProcess, ...mockedSdk, ...ownStack] } },
      { test: { ...common, name: 'isolated-local', include: ownProcess } },
    ],
  },
});
