/**
 * The shape of the wiring manifest. Both the CDK stack (infra/) and the local runtime (local/)
 * are generated from one value of this type, so what runs locally is what deploys.
 */

import type { DetailType, DomainEvent } from '../src/domain/events';
import type { EventPattern } from '../src/domain/pattern';
import type { RouteDeclaration } from '../src/http/routes';
import type { IndexName, IndexPartition, ItemKind } from './table';

export type { EventPattern };

/** What a function may touch besides the table. Each access becomes a least-privilege grant and its environment variables. */
export type Access =
  | 'bus:put'
  | 'ses:send'
  /** Read the HMAC keys that sign subscriber links (a Secrets Manager secret). */
  | 'secret:signing-keys'
  /** Read the secret salt that turns email addresses into one-way hashes (suppressions, erasure). */
  | 'secret:privacy-salt'
  /** Read the forms' CAPTCHA secret keys (one secret, a key per form), to verify answers server-side. */
  | 'secret:form-captcha'
  /** Writes absolute links to the public API into email (needs the API's public URL). */
  | 'links:public'
  /** Creates, moves and deletes one-time EventBridge Scheduler schedules in the stack's group that put events on the bus. */
  | 'scheduler:manage'
  /**
   * Lists, invites, moves between role groups, disables and enables the console's users in the
   * Cognito user pool. The pool is the console stack's, which grants these actions on it alone and
   * names it in a secret; locally the development sign-in's users in the table stand in.
   */
  | 'users:manage';

/**
 * What a function may do in the single table, by item kind (partition-key prefix, see table.ts). Each
 * list becomes one IAM statement whose `dynamodb:LeadingKeys` condition names exactly these kinds; a
 * transaction is authorised item by item, so a kind written inside one is listed like any other write.
 * No function may Scan.
 */
export interface TableAccess {
  /** GetItem, BatchGetItem, ConditionCheckItem, and Query on the table's own key. */
  readonly read?: readonly ItemKind[];
  /** PutItem and UpdateItem (conditional writes included: a condition needs no read grant). */
  readonly write?: readonly ItemKind[];
  /** DeleteItem: claims given back, suppressions lifted, webhooks and segments deleted. */
  readonly delete?: readonly ItemKind[];
  /** BatchWriteItem, used only to delete in batches (erasure); IAM cannot tell its puts from its deletes. */
  readonly batchWrite?: readonly ItemKind[];
  /** Query on an index, by the index's partition values (its `gsi*pk`). */
  readonly query?: { readonly [I in IndexName]?: readonly IndexPartition<I>[] };
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRoute {
  readonly method: HttpMethod;
  /** API Gateway route path, with `{param}` placeholders. */
  readonly path: string;
}

/**
 * One or more API routes served by one function, declared beside it (`functions/<name>/routes.ts`):
 * API Gateway routes them by method and path, the handler parses them with their schemas.
 */
export interface HttpTrigger {
  readonly kind: 'http';
  readonly routes: readonly RouteDeclaration[];
  /**
   * `public`: browsers on the allowed origins may call it (CORS), throttled per route.
   * `admin`: IAM (SigV4) in AWS, the development token in local mode.
   */
  readonly audience: 'public' | 'admin';
  /**
   * `by-function`: the function answers CORS itself (any origin's preflight is allowed), for routes
   * called from customers' sites whose allowed origins are data. Default: the API's allowed origins.
   */
  readonly cors?: 'by-function';
}

/** An EventBridge rule on the bus that targets this function's own SQS queue (with its DLQ). */
export interface EventTrigger {
  readonly kind: 'event';
  readonly pattern: EventPattern;
  /** Records per invocation. */
  readonly batchSize: number;
  /** Seconds the poller may wait to fill a batch. */
  readonly maxBatchingWindowSeconds: number;
  /** Deliveries before a message moves to the DLQ. */
  readonly maxReceiveCount: number;
  /**
   * Minutes the oldest waiting message may age before the queue's alarm fires: short where someone
   * waits for the result (scoring, MQL alerts), longer where a backlog is the normal shape of the work.
   */
  readonly oldestMessageAlarmMinutes: number;
}

/** A timed invocation through EventBridge Scheduler. Only `rate(N minutes|hours|days)` is supported. */
export interface ScheduleTrigger {
  readonly kind: 'schedule';
  readonly expression: `rate(${string})`;
  /**
   * Locally, run it this often instead: a sweep whose lateness is its rate (journey timers) lets
   * waits of seconds work on one machine. EventBridge Scheduler's finest rate is a minute.
   */
  readonly localEverySeconds?: number;
  /**
   * Locally, skip the runs a run said would find nothing: when its result names `nothingDueBefore`
   * (an ISO instant, or null for nothing at all), the next run waits for that instant, for another
   * function's invocation to end (only functions write what falls due), or for the rate's interval,
   * whichever comes first. An idle stack then stops sweeping an unchanged index every second.
   */
  readonly localRestsWhileNothingDue?: boolean;
}

export type Trigger = HttpTrigger | EventTrigger | ScheduleTrigger;

export interface FunctionSpec {
  /** kebab-case; also the folder under functions/ and the base of every resource name. */
  readonly name: string;
  readonly description: string;
  /** Path from the project root to the module whose `handler` export is the Lambda handler. */
  readonly entry: string;
  readonly trigger: Trigger;
  /**
   * The detail types it puts on the bus, itself or through an EventBridge Scheduler schedule it
   * creates; absent for a function that emits nothing. The trigger says what it consumes, this what it
   * produces; a test checks the list against the events the code builds, both ways.
   */
  readonly emits?: readonly DetailType[];
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly access: readonly Access[];
  /** The table's items it may touch; absent for a function that never reads the table. */
  readonly table?: TableAccess;
  /** HTTP functions: a larger body limit than the API's default (rulesets are bigger than forms). */
  readonly maxBodyBytes?: number;
  /** Caps concurrent executions in AWS; public routes use it to bound abuse. */
  readonly reservedConcurrency?: number;
  /**
   * On a path whose latency users are promised: an accepted engagement event to its score (`scoring`),
   * a qualification to the sales alert (`alert`). A queue consumer on one takes its messages with no
   * batching window. The local stack lets the scoring path's table calls go ahead of other functions'
   * at DynamoDB Local (local/table-call-priority.ts), as in AWS nothing queues them behind others'.
   */
  readonly latencyPath?: 'scoring' | 'alert';
}

/** A token bucket: holds up to `burst` requests and refills at `ratePerSecond`. */
export interface RateLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
}

export interface HttpApiSettings {
  /** Steady-state requests per second per public route (API Gateway stage throttling). */
  readonly throttleRatePerSecond: number;
  readonly throttleBurst: number;
  /** Request bodies above this are refused with 413 before any parsing. */
  readonly maxBodyBytes: number;
  /**
   * Each client (source address) on the public routes, on top of the route's own limit, so one client
   * flooding cannot starve the others. Locally a token bucket per address; in AWS, with the edge
   * option on, an AWS WAF rate-based rule per IP allowing `ratePerSecond` x its 5-minute window.
   */
  readonly perClient: RateLimit;
}

/**
 * An event the deployment itself sends (manifest/deploy-events.ts), for work that existing data needs
 * once the code changed (timers for existing customers): in AWS a CloudFormation custom resource sends
 * it to the queue of each function whose rule consumes it, after the functions, queues and rules are in
 * place, on the first deploy and on each deploy whose `fingerprint` changed; locally `npm start` puts
 * it on the bus at each start. Its consumers must be idempotent.
 */
export interface DeployEvent {
  /** PascalCase: the custom resource's construct id. */
  readonly name: string;
  readonly event: DomainEvent;
  /** What the work depends on in the code; a deploy that changes it runs the work again. */
  readonly fingerprint: string;
}

export interface Manifest {
  readonly service: string;
  readonly http: HttpApiSettings;
  readonly functions: readonly FunctionSpec[];
}

export type EventFunctionSpec = FunctionSpec & { readonly trigger: EventTrigger };
export type HttpFunctionSpec = FunctionSpec & { readonly trigger: HttpTrigger };
export type ScheduleFunctionSpec = FunctionSpec & { readonly trigger: ScheduleTrigger };

export const isEventFunction = (f: FunctionSpec): f is EventFunctionSpec => f.trigger.kind === 'event';
/** The `routeKey` API Gateway gives a route: `GET /v1/admin/leads/{leadId}`. */
export const routeKey = (route: HttpRoute) => `${route.method} ${route.path}`;

export const isHttpFunction = (f: FunctionSpec): f is HttpFunctionSpec => f.trigger.kind === 'http';
export const isScheduleFunction = (f: FunctionSpec): f is ScheduleFunctionSpec =>
  f.trigger.kind === 'schedule';
