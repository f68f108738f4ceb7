import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException, ResourceNotFoundException, UpdateTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, ScheduledEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sesForwardingRule } from '../manifest/default-bus';
import { deployEvents } from '../manifest/deploy-events';
import { consumedDetailTypes } from '../manifest/event-flow';
import type { DeploymentSettings } from '../manifest/environment';
import { manifest as leadflowManifest } from '../manifest/manifest';
import { consumerQueueNames } from '../manifest/queues';
import { tableDesign } from '../manifest/table';
import { isEventFunction, isHttpFunction, isScheduleFunction, type Manifest, type RateLimit } from '../manifest/types';
import { sendJournaled, startEventBus } from './event-bus';
import { noJournal, openQueueJournal, type JournaledMessage, type QueueJournal } from './queue-journal';
import { startSecrets } from './secrets';
import { newKeyRing } from './state-files';
import type { KeyRing } from '../src/domain/consent/signed-token';
import { EVENT_SOURCE } from '../src/domain/events';
import { startHttpApi } from './http-api';
import { DevelopmentUserDirectory } from '../src/adapters/development-users';
import { developmentUsers } from './dev-sessions';
import { RoutingStore } from '../src/adapters/routing-store';
import { localFunctionEnvironment } from './function-environment';
import { bundleFunctions, type CachedFunctionBundles } from './function-bundles';
import { startFunctionRuntime } from './lambda';
import { CapacityTotals, type FunctionCapacity } from './consumed-capacity';
import type { MetricValues } from './metric-lines';
import { startPoller } from './pollers';
import { startScheduler } from './scheduler';
import { rateMs, startSchedule } from './schedules';
import { freePort, isAddressInUse, startDynamoDb, startSqs, type RunningService } from './services';
import { startSes } from './ses';

export interface LocalStackOptions {
  /** Default: leadflow's own manifest. */
  manifest?: Manifest;
  /**
   * Folder for DynamoDB Local's data, the queue journal and the Scheduler's schedules; undefined keeps
   * them all in memory (queued messages and schedules then die with the stack).
   */
  dataDir?: string;
  /** Delete `dataDir` before starting. */
  reset?: boolean;
  /**
   * A DynamoDB Local already running, for the stack to use instead of starting one: the test run's
   * (test/run-dynamodb.ts), where a Java start is most of a short test's CPU. The stack makes its
   * table there under `settings.tableName`, which must be its own, deletes it when it stops and leaves
   * the server running. Not with `dataDir` or `ports.dynamodb`, which are for a DynamoDB Local it starts.
   */
  dynamoDb?: { readonly endpoint: string; readonly pid: number };
  /** 0 or absent: a free port. */
  ports?: { api?: number; dynamodb?: number; sqs?: number; ses?: number; bus?: number; secrets?: number; scheduler?: number };
  /** Local override of the queues' visibility timeout, so failed records come back quickly. */
  visibilityTimeoutSeconds?: number;
  /** Concurrent batches per queue, as Lambda scales a queue's consumer out. Default 4. */
  pollersPerQueue?: number;
  /**
   * Count the DynamoDB capacity of every function's calls (`measurements.capacity()`). Off by default:
   * asking DynamoDB for it, reading it and reporting it cost each call CPU that only `npm run bench` uses.
   */
  measureCapacity?: boolean;
  /**
   * Worker threads one function may have at once, added when its first is saturated (local/lambda.ts).
   * Default 1: on this project's shared 2-core machine, at load averages of 20-30, a second worker per
   * busy function was not shown to help (the one throughput run with it was slower: its cold starts
   * and calls compete for the same cores); on a machine with idle cores, more lets a busy function use them.
   */
  workersPerFunction?: number;
  /**
   * Each client's limit on the public routes; default the manifest's `http.perClient`. Tests and the
   * bench, which send everything from 127.0.0.1, raise it.
   */
  perClientLimit?: RateLimit;
  /** Admin routes need `Authorization: Bearer <devToken>`. Default: a random token. */
  devToken?: string;
  settings?: Partial<DeploymentSettings>;
  /**
   * The key ring that signs subscriber links; a fresh one when not given. A function is asked at each
   * read of the secret, so what it answers reaches the functions as a rotation in AWS does.
   */
  signingKeys?: KeyRing | (() => KeyRing);
  /** The salt of address hashes; a fresh one when not given. */
  privacySalt?: string;
  /** The forms' CAPTCHA secret keys by name; none when not given. A function is asked at each read. */
  formCaptchaSecrets?: Readonly<Record<string, string>> | (() => Readonly<Record<string, string>>);
  log?: (line: string) => void;
}

export interface LocalStack {
  readonly apiUrl: string;
  readonly sesUrl: string;
  readonly devToken: string;
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string; readonly ses: string; readonly eventbridge: string; readonly secretsmanager: string; readonly scheduler: string };
  readonly settings: DeploymentSettings;
  /** The key ring the functions read from the local Secrets Manager at the start, for minting links in tests and tools. */
  readonly signingKeys: KeyRing;
  readonly queues: Readonly<Record<string, { readonly url: string; readonly dlqUrl: string }>>;
  /** The DynamoDB Local (Java) process: it ends with this one (unless given as `dynamoDb`), and this pid lets anyone check. */
  readonly dynamodbPid: number;
  /** What the functions consumed and reported while the stack ran (`npm run bench` reads them). */
  readonly measurements: StackMeasurements;
  stop(): Promise<void>;
}

export type MetricListener = (functionName: string, metrics: readonly MetricValues[]) => void;

export interface StackMeasurements {
  /** DynamoDB capacity the functions consumed since the stack started, per function and table or index (none unless the stack was started with `measureCapacity`). */
  capacity(): Record<string, FunctionCapacity>;
  /** Hands `listener` every metric a function emits from now on (its EMF lines); returns what stops it. */
  onMetrics(listener: MetricListener): () => void;
  /** Records each queue consumer was handed since the stack started, retries included: what the events put on the bus set off. */
  deliveries(): Record<string, number>;
}

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** In the data folder: every message routed to a queue and not yet finished. */
export const QUEUE_JOURNAL_FILE = 'queue-journal.ndjson';
/** In the data folder: the local Scheduler's schedules. */
export const SCHEDULES_FILE = 'schedules.json';
const REGION = 'us-east-1';

const defaultSettings: DeploymentSettings = {
  tableName: 'leadflow',
  busName: 'leadflow',
  senderAddress: 'leadflow@example.com',
  salesInbox: 'sales@example.com',
  configurationSetName: 'leadflow',
  allowedOrigins: ['*'],
  signingKeysSecret: 'leadflow/signing-keys',
  privacySaltSecret: 'leadflow/privacy-salt',
  formCaptchaSecret: 'leadflow/form-captcha',
  publicBaseUrl: 'http://127.0.0.1:3000',
  // The local SES does not throttle; this still exercises the shared rate every sender obeys.
  sesMaxSendRate: 200,
  scheduleGroupName: 'leadflow',
  schedulerRoleArn: 'arn:aws:iam::000000000000:role/leadflow-scheduler',
  busArn: 'arn:aws:events:us-east-1:000000000000:event-bus/leadflow',
  scheduleDlqArn: 'arn:aws:sqs:us-east-1:000000000000:leadflow-schedule-dlq',
  // A CRM or chat tool being tried out runs on this machine, without TLS.
  loopbackWebhooks: true,
};

const indexDefinition = (index: (typeof tableDesign.indexes)[number]) => ({
  IndexName: index.name,
  KeySchema: [
    { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
    { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
  ],
  Projection: { ProjectionType: index.projection },
});
const indexAttributes = (index: (typeof tableDesign.indexes)[number]) => [
  { AttributeName: index.partitionKey, AttributeType: 'S' as const },
  { AttributeName: index.sortKey, AttributeType: 'S' as const },
];

/** Creates the single table as the manifest designs it, or adds the indexes a kept table lacks. */
export async function createTable(client: DynamoDBClient, tableName: string) {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: tableDesign.partitionKey, AttributeType: 'S' },
          { AttributeName: tableDesign.sortKey, AttributeType: 'S' },
          ...tableDesign.indexes.flatMap(indexAttributes),
        ],
        KeySchema: [
          { AttributeName: tableDesign.partitionKey, KeyType: 'HASH' },
          { AttributeName: tableDesign.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: tableDesign.indexes.map(indexDefinition),
      }),
    );
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: tableDesign.timeToLiveAttribute, Enabled: true } }),
    );
  } catch (error) {
    // The table survives between runs in the data folder; indexes added since it was made are added now.
    if (!(error instanceof ResourceInUseException)) throw error;
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const existing = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
    for (const index of tableDesign.indexes.filter((candidate) => !existing.has(candidate.name))) {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: indexAttributes(index),
          GlobalSecondaryIndexUpdates: [{ Create: indexDefinition(index) }],
        }),
      );
    }
  }
}

/** Starts tried when a port found free was taken by another process before it was listened on. */
const START_ATTEMPTS = 3;

/**
 * Starts the whole pipeline on this machine: real local stand-ins for DynamoDB, SQS and SES, the
 * project's own EventBridge bus, and every manifest function wired to its trigger, exactly as the
 * CDK stack wires it in AWS. Everything started is stopped by `stop()`, also when start-up fails.
 * Ports are found free before the services start; stacks started side by side (parallel test files)
 * can take the same one in between, so a start that loses a port is tried again on fresh ones.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const { functions } = options.manifest ?? leadflowManifest;
  if (options.dynamoDb && (options.dataDir || options.ports?.dynamodb)) {
    throw new Error('dynamoDb names a DynamoDB Local already running: dataDir and ports.dynamodb are for one the stack starts');
  }
  // Refuse an unsupported schedule before starting anything, the functions' build included.
  functions.filter(isScheduleFunction).forEach((fn) => rateMs(fn.trigger.expression));
  // Bundled once for every attempt, while the first one's stand-ins start (DynamoDB Local's Java takes seconds anyway).
  const bundling = bundleFunctions(functions, PROJECT_ROOT);
  const releaseBundles = () => bundling.then((bundles) => bundles.release(), () => {});
  for (let attempt = 1; ; attempt += 1) {
    try {
      const stack = await startOnce(options, bundling);
      return {
        ...stack,
        stop: async () => {
          await stack.stop();
          await releaseBundles();
        },
      };
    } catch (error) {
      if (!isAddressInUse(error) || options.ports || attempt === START_ATTEMPTS) {
        await releaseBundles();
        throw error;
      }
      options.log?.(`a port was taken while starting; starting again (${attempt + 1} of ${START_ATTEMPTS})`);
    }
  }
}

async function startOnce(options: LocalStackOptions, bundling: Promise<CachedFunctionBundles>): Promise<LocalStack> {
  const manifest = options.manifest ?? leadflowManifest;
  const log = options.log ?? ((line: string) => console.log(line));
  const settings: DeploymentSettings = { ...defaultSettings, ...options.settings };
  const devToken = options.devToken ?? randomBytes(24).toString('base64url');
  const portFor = async (port: number | undefined) => (port ? port : freePort());
  const stoppers: (() => Promise<void> | void)[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const stopOne of stoppers.reverse()) {
      try {
        await stopOne();
      } catch (error) {
        log(`stopping: ${(error as Error).message}`);
      }
    }
  };

  try {
    const [dynamodbPort, sqsPort, sesPort, busPort, apiPort, secretsPort, schedulerPort] = await Promise.all([
      options.dynamoDb ? undefined : portFor(options.ports?.dynamodb),
      portFor(options.ports?.sqs),
      portFor(options.ports?.ses),
      portFor(options.ports?.bus),
      portFor(options.ports?.api),
      portFor(options.ports?.secrets),
      portFor(options.ports?.scheduler),
    ]);
    const track = <S extends RunningService>(service: S) => {
      stoppers.push(() => service.stop());
      return service;
    };
    const [dynamodb, sqsService, ses, bundles] = await Promise.all([
      (options.dynamoDb
        ? Promise.resolve(tableOnRunningDynamoDb(options.dynamoDb, settings.tableName))
        : startDynamoDb({ port: dynamodbPort ?? 0, ...(options.dataDir ? { dataDir: options.dataDir } : {}), reset: options.reset ?? false, log })
      ).then(track),
      startSqs(sqsPort ?? 0).then(track),
      startSes(sesPort ?? 0).then(track),
      bundling.then((built) => {
        log(built.reused ? 'functions: bundles of unchanged sources reused from .leadflow/function-bundles' : `functions: bundled into .leadflow/function-bundles`);
        return built;
      }),
    ]);
    const busEndpoint = `http://127.0.0.1:${busPort}`;
    const ringOption = options.signingKeys ?? newKeyRing();
    const ringNow = typeof ringOption === 'function' ? ringOption : () => ringOption;
    const captchaOption = options.formCaptchaSecrets ?? {};
    const captchaSecretsNow = typeof captchaOption === 'function' ? captchaOption : () => captchaOption;
    const signingKeys = ringNow();
    const secrets = await startSecrets({
      port: secretsPort ?? 0,
      region: REGION,
      secrets: {
        // Secrets Manager's form of the ring: the current key's id beside the keys (src/adapters/secrets.ts reads it).
        [settings.signingKeysSecret]: () => {
          const ring = ringNow();
          return JSON.stringify({ current: ring.current, ...ring.keys });
        },
        [settings.privacySaltSecret]: options.privacySalt ?? randomBytes(32).toString('base64url'),
        [settings.formCaptchaSecret]: () => JSON.stringify(captchaSecretsNow()),
      },
    });
    stoppers.push(() => secrets.stop());

    // The SDK reads these, so the handlers run unchanged against the stand-ins. Tools and tests in
    // this process reach the stand-ins through them too; the functions get their own copy (below).
    const localAws = {
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      ...(process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SESSION_TOKEN ? { AWS_SESSION_TOKEN: process.env.AWS_SESSION_TOKEN } : {}),
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsService.endpoint,
      AWS_ENDPOINT_URL_SESV2: ses.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: busEndpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      AWS_ENDPOINT_URL_SCHEDULER: `http://127.0.0.1:${schedulerPort}`,
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      // As in Lambda: the stack takes the metric lines out of the functions' output (StackMeasurements).
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'false',
    };
    const host = { ...process.env };
    Object.assign(process.env, { AWS_REGION: REGION, ...localAws });
    // Links in email point at this API, wherever it listens; schedules target this bus, whatever its name.
    const runtimeSettings: DeploymentSettings = {
      ...settings,
      publicBaseUrl: options.settings?.publicBaseUrl ?? `http://127.0.0.1:${apiPort}`,
      busArn: options.settings?.busArn ?? `arn:aws:events:${REGION}:000000000000:event-bus/${settings.busName}`,
    };
    const capacity = new CapacityTotals();
    const metricListeners = new Set<MetricListener>();
    const deliveries = new Map<string, number>();
    const measurements: StackMeasurements = {
      capacity: () => capacity.snapshot(),
      deliveries: () => Object.fromEntries(deliveries),
      onMetrics: (listener) => {
        metricListeners.add(listener);
        return () => metricListeners.delete(listener);
      },
    };
    // Each function runs with only its own Lambda's environment (local/lambda.ts says how).
    const functions = startFunctionRuntime({
      bundles,
      environmentOf: (fn) => localFunctionEnvironment(fn, { manifest, settings: runtimeSettings, region: REGION, taskRoot: PROJECT_ROOT, localAws, host }),
      log,
      measureCapacity: options.measureCapacity ?? false,
      ...(options.workersPerFunction ? { maxWorkersPerFunction: options.workersPerFunction } : {}),
      reports: {
        capacity: (functionName, report) => capacity.record(functionName, report),
        metrics: (functionName, metrics) => metricListeners.forEach((listener) => listener(functionName, metrics)),
      },
    });
    // Stopped after the API, the schedules and the pollers (stoppers run last first): nothing invokes it then.
    stoppers.push(() => functions.stop());

    const dynamoClient = new DynamoDBClient({});
    await createTable(dynamoClient, settings.tableName);
    dynamoClient.destroy();

    // fauxqs runs in this process: the bus's and the pollers' requests reach it without a socket, so
    // the pollers' long polls (four per queue) hold no connection and need no client of their own.
    const sqs = sqsService.queues;
    const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 5;
    const queues: Record<string, { url: string; dlqUrl: string }> = {};
    for (const fn of manifest.functions.filter(isEventFunction)) {
      // Named as `leadflow dlq` looks them up.
      const { queueName, dlqName } = consumerQueueNames(fn.name);
      const { QueueUrl: dlqUrl = '' } = await sqs.createQueue({ QueueName: dlqName, Attributes: { MessageRetentionPeriod: '1209600' } });
      const { Attributes } = await sqs.getQueueAttributes({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] });
      const { QueueUrl: url = '' } = await sqs.createQueue({
        QueueName: queueName,
        Attributes: {
          VisibilityTimeout: String(visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: fn.trigger.maxReceiveCount }),
        },
      });
      queues[fn.name] = { url, dlqUrl };
    }

    // fauxqs keeps its queues in memory: what the last run accepted and did not finish is sent again
    // from the journal before any poller starts, and what its DLQs held is put back in them, so that
    // it can still be looked at and replayed (`leadflow dlq`) once the cause is fixed and npm start
    // started again.
    let journal: QueueJournal = noJournal;
    if (options.dataDir) {
      const opened = await openQueueJournal({ file: join(options.dataDir, QUEUE_JOURNAL_FILE), log });
      journal = opened.journal;
      stoppers.push(() => opened.journal.close());
      const putBack = async (messages: readonly JournaledMessage[], urlOf: (queue: { url: string; dlqUrl: string }) => string) => {
        for (const message of messages) {
          const queue = queues[message.queue];
          if (queue) await sendJournaled(sqs, urlOf(queue), message);
          else {
            log(`queue journal: no queue ${message.queue} in this manifest; a message for it is dropped`);
            journal.recordDeleted([message.id]);
          }
        }
      };
      await putBack(opened.pending, (queue) => queue.url);
      await putBack(opened.deadLettered, (queue) => queue.dlqUrl);
      if (opened.pending.length) log(`queue journal: ${opened.pending.length} message(s) accepted before the last stop sent again`);
      if (opened.deadLettered.length) log(`queue journal: ${opened.deadLettered.length} message(s) of the DLQs put back in them (\`npm run leadflow -- dlq list\`)`);
    }

    const bus = await startEventBus({
      port: busPort ?? 0,
      busName: settings.busName,
      rules: manifest.functions.filter(isEventFunction).map((fn) => ({ fn, queueUrl: queues[fn.name]?.url ?? '' })),
      forwardedFromDefaultBus: [sesForwardingRule(settings.configurationSetName).pattern],
      queues: sqs,
      journal,
      region: REGION,
      log,
    });
    stoppers.push(() => bus.stop());

    // Campaign schedules fire into the local bus, as EventBridge Scheduler puts them on the real one.
    const schedulerBus = new EventBridgeClient({ endpoint: bus.endpoint });
    stoppers.push(() => schedulerBus.destroy());
    const scheduler = await startScheduler({
      port: schedulerPort ?? 0,
      region: REGION,
      deliver: async (entry) => {
        const result = await schedulerBus.send(new PutEventsCommand({ Entries: [entry] }));
        if (result.FailedEntryCount) throw new Error(`the bus refused the event: ${result.Entries?.[0]?.ErrorMessage ?? 'unknown'}`);
      },
      ...(options.dataDir ? { schedulesFile: join(options.dataDir, SCHEDULES_FILE) } : {}),
      log,
    });
    stoppers.push(() => scheduler.stop());

    for (const fn of manifest.functions.filter(isEventFunction)) {
      const invoke = functions.handlerOf<SQSEvent, SQSBatchResponse | void>(fn);
      const handler: typeof invoke = (event, context) => {
        deliveries.set(fn.name, (deliveries.get(fn.name) ?? 0) + event.Records.length);
        return invoke(event, context);
      };
      // A consumer loads on its queue's first message, as a Lambda starts on its first batch: loading
      // all of them at every start took 7 s of CPU, and a stack (a test's) uses a few. The poller keeps
      // what it receives for a consumer still loading hidden for as long as the cold start may take.
      const isWarm = () => functions.isWarm(fn);
      // Lambda runs several batches of one queue at once; so do the pollers, which also exercises
      // the optimistic locking between concurrent consumers.
      for (let instance = 0; instance < (options.pollersPerQueue ?? 4); instance += 1) {
        const poller = startPoller({ fn, queueUrl: queues[fn.name]?.url ?? '', queues: sqs, journal, handler, isWarm, visibilityTimeoutSeconds, visibilityChanges: sqsService.visibilityChanges, log });
        stoppers.push(() => poller.stop());
      }
    }
    for (const fn of manifest.functions.filter(isScheduleFunction)) {
      const schedule = startSchedule({ fn, handler: functions.handlerOf<ScheduledEvent, unknown>(fn), log, endedInvocationsOfOthers: () => functions.endedInvocationsOfOthers(fn.name) });
      stoppers.push(() => schedule.stop());
    }
    // Development sign-in offers the users of the users admin's local directory (the routing's reps among them), read as manage-users does.
    const routingClient = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    stoppers.push(() => routingClient.destroy());
    const routing = new RoutingStore(routingClient, settings.tableName);
    const directory = new DevelopmentUserDirectory(routingClient, settings.tableName, async () => (await routing.get())?.config);
    const routes = manifest.functions.filter(isHttpFunction).map((fn) => ({ fn, handler: functions.handlerOf<APIGatewayProxyEventV2, APIGatewayProxyResultV2>(fn) }));
    const api = await startHttpApi({
      port: apiPort ?? 0,
      routes,
      settings: { ...manifest.http, perClient: options.perClientLimit ?? manifest.http.perClient },
      allowedOrigins: settings.allowedOrigins,
      devToken,
      developmentUsers: async () => developmentUsers(await directory.list()),
      log,
    });
    stoppers.push(() => api.stop());

    // What `cdk deploy` sends after each deploy whose fingerprint changed, sent at each start here: its consumers are idempotent.
    await putDeployEvents(schedulerBus, manifest, settings.busName, log);

    return {
      apiUrl: api.url,
      sesUrl: ses.endpoint,
      devToken,
      endpoints: { dynamodb: dynamodb.endpoint, sqs: sqsService.endpoint, ses: ses.endpoint, eventbridge: bus.endpoint, secretsmanager: secrets.endpoint, scheduler: scheduler.endpoint },
      settings: runtimeSettings,
      signingKeys,
      queues,
      dynamodbPid: dynamodb.pid,
      measurements,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A DynamoDB Local the stack did not start, as a service whose stop deletes the stack's table there (made later in the start, if it got that far). */
function tableOnRunningDynamoDb(dynamoDb: { readonly endpoint: string; readonly pid: number }, tableName: string): RunningService & { readonly pid: number } {
  return {
    endpoint: dynamoDb.endpoint,
    pid: dynamoDb.pid,
    stop: async () => {
      const client = new DynamoDBClient({ endpoint: dynamoDb.endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      try {
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      } finally {
        client.destroy();
      }
    },
  };
}

/** The deploy events some function of the manifest consumes, on the local bus, as the stack's custom resource sends them in AWS (see DeployEvent). */
async function putDeployEvents(bus: EventBridgeClient, manifest: Manifest, busName: string, log: (line: string) => void): Promise<void> {
  const consumed = new Set(manifest.functions.flatMap(consumedDetailTypes));
  const events = deployEvents.filter((deploy) => consumed.has(deploy.event.detailType));
  if (events.length === 0) return;
  const result = await bus.send(
    new PutEventsCommand({
      Entries: events.map((deploy) => ({ EventBusName: busName, Source: EVENT_SOURCE, DetailType: deploy.event.detailType, Detail: JSON.stringify(deploy.event.detail) })),
    }),
  );
  if (result.FailedEntryCount) throw new Error(`the local bus refused a deploy event: ${result.Entries?.find((entry) => entry.ErrorMessage)?.ErrorMessage ?? 'unknown'}`);
  log(`deploy events put on the bus: ${events.map((deploy) => deploy.name).join(', ')}`);
}
